import { Schema, type Connection, type Model } from 'mongoose';
import { contactSearchTokens } from './contact.rules';

export const dataSourceKinds = ['PARTNER', 'PUBLIC_SOURCE'] as const;
export type DataSourceKind = (typeof dataSourceKinds)[number];

/** Where a datum comes from (CON-07: partners and public sources, never users about themselves). */
export interface DataSource {
  kind: DataSourceKind;
  name: string;
}

export const datumStatuses = ['VERIFIED', 'UNVERIFIED', 'OUTDATED'] as const;
export type DatumStatus = (typeof datumStatuses)[number];

/** Provenance every datum of a profile carries (CON-01: the source and date of each datum). */
export interface Provenance {
  source: DataSource;
  firstSeenAt: Date;
  lastVerifiedAt: Date | null;
  status: DatumStatus;
}

export interface TextDatum extends Provenance {
  value: string;
}

export interface LocationDatum extends Provenance {
  /** ISO 3166-1 alpha-2, capitals. */
  country: string;
  city: string | null;
}

export const phoneKinds = ['MOBILE', 'LANDLINE', 'UNKNOWN'] as const;
export type PhoneKind = (typeof phoneKinds)[number];

export interface PhoneDatum extends TextDatum {
  /** `value` is E.164 (`+33612345678`). */
  kind: PhoneKind;
}

/** A professional person in the contact database (CON-01); usually not a user of the platform. */
export interface ContactDocument {
  _id: string;
  name: TextDatum;
  jobTitle: TextDatum | null;
  company: TextDatum | null;
  location: LocationDatum | null;
  skills: TextDatum[];
  profileUrl: TextDatum | null;
  professionalEmails: TextDatum[];
  directEmails: TextDatum[];
  phones: PhoneDatum[];
  /**
   * Normalised `field:word` tokens of the searchable fields (CON-02). Search is indexed equality
   * on this array: the embedded server has no `$text`, and regex scans do not scale.
   */
  searchTokens: string[];
  lastUpdatedAt: Date;
  createdAt: Date;
}

const provenanceFields = {
  source: {
    type: new Schema<DataSource>({ kind: { type: String, enum: dataSourceKinds, required: true }, name: { type: String, required: true } }, { _id: false }),
    required: true,
  },
  firstSeenAt: { type: Date, required: true },
  lastVerifiedAt: { type: Date, default: null },
  status: { type: String, enum: datumStatuses, required: true },
};

const textDatumSchema = new Schema<TextDatum>({ value: { type: String, required: true }, ...provenanceFields }, { _id: false });
const locationDatumSchema = new Schema<LocationDatum>(
  { country: { type: String, required: true, match: /^[A-Z]{2}$/ }, city: { type: String, default: null }, ...provenanceFields },
  { _id: false },
);
const phoneDatumSchema = new Schema<PhoneDatum>(
  { value: { type: String, required: true, match: /^\+\d{6,15}$/ }, kind: { type: String, enum: phoneKinds, required: true }, ...provenanceFields },
  { _id: false },
);

const contactSchema = new Schema<ContactDocument>(
  {
    _id: { type: String, required: true },
    name: { type: textDatumSchema, required: true },
    jobTitle: { type: textDatumSchema, default: null },
    company: { type: textDatumSchema, default: null },
    location: { type: locationDatumSchema, default: null },
    skills: { type: [textDatumSchema], default: [] },
    profileUrl: { type: textDatumSchema, default: null },
    professionalEmails: { type: [textDatumSchema], default: [] },
    directEmails: { type: [textDatumSchema], default: [] },
    phones: { type: [phoneDatumSchema], default: [] },
    searchTokens: { type: [String], default: [] },
    lastUpdatedAt: { type: Date, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'contacts', versionKey: false },
);
// Multikey index: `$all` on tokens, then `_id` order for keyset pagination.
contactSchema.index({ searchTokens: 1, _id: 1 });

// Documents written through the model always carry tokens matching their fields. Bulk writers
// that bypass documents (updateOne, bulkWrite) must set them with contactSearchTokens themselves.
contactSchema.pre('validate', function setSearchTokens() {
  this.searchTokens = contactSearchTokens(this);
});

export type ContactModel = Model<ContactDocument>;

export function contactModel(connection: Connection): ContactModel {
  return (connection.models.Contact as ContactModel | undefined) ?? connection.model<ContactDocument>('Contact', contactSchema);
}
