import { Schema, type Connection, type Model } from 'mongoose';
import type { IdentifierKind } from '@leadgraph/platform';
import { contactSearchTokens, sortableName } from './contact.rules';

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
  /** ISO country of the number (from its calling code), for the national do-not-call lists. */
  country: string | null;
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
  /** Accent-free lower-case name, the key of the name sort. */
  sortName: string;
  lastUpdatedAt: Date;
  createdAt: Date;
  /** Bumped by every write: refreshes replace the document only if nobody wrote in between. */
  revision: number;
  /**
   * PRV-02 restriction of processing: kept, but never searched, shown, revealed or exported
   * (null or absent: not restricted).
   */
  restrictedAt?: Date | null;
  /** The data-subject request that restricted the profile. */
  restrictionRequestId?: string | null;
  /**
   * PRV-02: every active RESTRICTION request behind the restriction; `restrictedAt` is cleared only
   * when the last one is lifted. Empty or absent on a restricted profile: restricted before the
   * ids were recorded (see `restrictionCauses`).
   */
  restrictedBy?: string[];
  /** PRV-02 rectification: fields corrected at the person's request, kept over later refreshes. */
  rectifications?: ContactRectification[];
}

export const rectifiableFields = ['name', 'jobTitle', 'company', 'location'] as const;
export type RectifiableField = (typeof rectifiableFields)[number];

/** One field corrected by a data-subject request, and when. */
export interface ContactRectification {
  field: RectifiableField;
  requestId: string;
  at: Date;
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
  {
    value: { type: String, required: true, match: /^\+\d{6,15}$/ },
    kind: { type: String, enum: phoneKinds, required: true },
    country: { type: String, default: null },
    ...provenanceFields,
  },
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
    sortName: { type: String, default: '' },
    lastUpdatedAt: { type: Date, required: true },
    createdAt: { type: Date, required: true },
    revision: { type: Number, default: 1 },
    restrictedAt: { type: Date, default: null },
    restrictionRequestId: { type: String, default: null },
    restrictedBy: { type: [String], default: [] },
    rectifications: {
      type: [
        new Schema<ContactRectification>(
          { field: { type: String, enum: rectifiableFields, required: true }, requestId: { type: String, required: true }, at: { type: Date, required: true } },
          { _id: false },
        ),
      ],
      default: [],
    },
  },
  { collection: 'contacts', versionKey: false },
);
// Multikey indexes: `$all` on tokens, then the sort key and `_id` for keyset pagination.
contactSchema.index({ searchTokens: 1, _id: 1 });
contactSchema.index({ searchTokens: 1, sortName: 1, _id: 1 });
contactSchema.index({ searchTokens: 1, lastUpdatedAt: -1, _id: -1 });
// CON-09: the retention job walks profiles by last update.
contactSchema.index({ lastUpdatedAt: 1 });

// Documents written through the model always carry tokens matching their fields. Bulk writers
// that bypass documents (bulkWrite) set them with contactSearchTokens themselves.
contactSchema.pre('validate', function setSearchTokens() {
  this.searchTokens = contactSearchTokens(this);
  this.sortName = sortableName(this.name.value);
});

export type ContactModel = Model<ContactDocument>;

export function contactModel(connection: Connection): ContactModel {
  return (connection.models.Contact as ContactModel | undefined) ?? connection.model<ContactDocument>('Contact', contactSchema);
}

/**
 * Which contact holds an identifier, keyed by the identifier's keyed hash (HMAC, platform
 * `identifierHash`). `_id` lookups are the one fast path on every server, so this collection is
 * both the de-duplication index (CON-07) and how an opt-out's hashes find the person (CON-08),
 * and it makes one identifier belong to one contact at most.
 */
export interface ContactIdentifierDocument {
  _id: string;
  kind: IdentifierKind;
  keyVersion: number;
  contactId: string;
}

const contactIdentifierSchema = new Schema<ContactIdentifierDocument>(
  {
    _id: { type: String, required: true },
    kind: { type: String, enum: ['EMAIL', 'PHONE', 'PROFILE_URL'], required: true },
    keyVersion: { type: Number, required: true },
    contactId: { type: String, required: true },
  },
  { collection: 'contact_identifiers', versionKey: false },
);
contactIdentifierSchema.index({ contactId: 1 });

export type ContactIdentifierModel = Model<ContactIdentifierDocument>;

export function contactIdentifierModel(connection: Connection): ContactIdentifierModel {
  return (
    (connection.models.ContactIdentifier as ContactIdentifierModel | undefined) ??
    connection.model<ContactIdentifierDocument>('ContactIdentifier', contactIdentifierSchema)
  );
}
