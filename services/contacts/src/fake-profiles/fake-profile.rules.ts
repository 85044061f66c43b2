import { Faker, base, de, en, en_GB, en_US, es, fr, nl } from '@faker-js/faker';

/**
 * Realistic but fictitious profiles for demos and benchmarks: no real person can be in them.
 * Names, companies and cities are drawn by faker from a seed (same seed, same file); e-mails use
 * `.example` domains (RFC 2606, never delivered); phones come only from ranges the regulators
 * reserve for fiction (ARCEP in France, Ofcom in the UK, 555-01xx in North America); profile
 * URLs carry a `lgdemo` marker.
 */
export interface FakeProfileRow {
  name: string;
  jobTitle: string;
  company: string;
  country: string;
  city: string;
  skills: string[];
  profileUrl: string;
  professionalEmails: Array<{ address: string; status: 'VERIFIED' | 'UNVERIFIED'; verifiedAt?: string }>;
  directEmails: string[];
  phones: Array<{ number: string; status: 'VERIFIED' | 'UNVERIFIED' }>;
  verifiedAt: string;
}

interface CountryProfile {
  code: string;
  weight: number;
  faker: Faker;
  cities: readonly string[];
}

const fictionalPhoneBlocks: Record<string, Array<{ prefix: string; size: number }>> = {
  // ARCEP: numbers reserved for audiovisual works.
  FR: ['+3319900', '+3326191', '+3335301', '+3346571', '+3353649', '+3397742'].map((prefix) => ({ prefix, size: 10_000 })),
  // Ofcom: drama numbers.
  GB: ['+442079460', '+441134960', '+441144960', '+441164960', '+441174960', '+441184960', '+441214960', '+441314960', '+441414960', '+441514960', '+441614960', '+441914980', '+442920180'].map((prefix) => ({ prefix, size: 1_000 })),
  // NANP: 555-0100 to 555-0199 are fictitious in every area code.
  US: ['212', '213', '310', '312', '415', '617', '646', '702', '713', '718', '206', '305', '404', '512', '602', '303', '503', '614', '615', '704'].map((area) => ({ prefix: `+1${area}55501`, size: 100 })),
};

const SKILLS = [
  'Negotiation', 'Prospecting', 'SaaS', 'Account Management', 'Lead Generation', 'CRM', 'Salesforce', 'HubSpot', 'Cold Calling',
  'Public Speaking', 'Team Leadership', 'Recruiting', 'Talent Acquisition', 'TypeScript', 'Python', 'Java', 'Kubernetes', 'Machine Learning',
  'Data Analysis', 'SQL', 'Product Management', 'Agile', 'Scrum', 'Marketing Automation', 'SEO', 'Content Marketing', 'Customer Success',
  'Financial Modelling', 'Procurement', 'Supply Chain', 'Business Development', 'Partnerships', 'Growth Hacking', 'UX Design', 'Cloud Architecture',
];

const TITLES = [
  'Head of Sales', 'Sales Director', 'Account Executive', 'Business Developer', 'Chief Revenue Officer', 'Marketing Manager', 'Growth Manager',
  'Talent Acquisition Manager', 'Recruiter', 'HR Director', 'Software Engineer', 'Senior Software Engineer', 'Engineering Manager', 'CTO',
  'Data Scientist', 'Product Manager', 'Head of Product', 'Customer Success Manager', 'Procurement Manager', 'Chief Executive Officer',
  'Chief Financial Officer', 'Operations Manager', 'Sales Development Representative', 'Key Account Manager', 'Partnerships Manager',
];

function countries(seed: number): CountryProfile[] {
  const seeded = (locale: ConstructorParameters<typeof Faker>[0]['locale']) => {
    const faker = new Faker({ locale });
    faker.seed(seed);
    return faker;
  };
  return [
    { code: 'FR', weight: 45, faker: seeded([fr, en, base]), cities: ['Paris', 'Lyon', 'Marseille', 'Toulouse', 'Nantes', 'Lille', 'Bordeaux', 'Strasbourg', 'Rennes', 'Montpellier', 'Saint-Étienne', 'Grenoble'] },
    { code: 'GB', weight: 15, faker: seeded([en_GB, en, base]), cities: ['London', 'Manchester', 'Birmingham', 'Leeds', 'Bristol', 'Edinburgh', 'Glasgow', 'Cambridge'] },
    { code: 'US', weight: 15, faker: seeded([en_US, en, base]), cities: ['New York', 'San Francisco', 'Boston', 'Chicago', 'Austin', 'Seattle', 'Los Angeles', 'Miami'] },
    { code: 'DE', weight: 10, faker: seeded([de, en, base]), cities: ['Berlin', 'München', 'Hamburg', 'Köln', 'Frankfurt am Main', 'Stuttgart'] },
    { code: 'ES', weight: 10, faker: seeded([es, en, base]), cities: ['Madrid', 'Barcelona', 'Valencia', 'Sevilla', 'Bilbao'] },
    { code: 'NL', weight: 5, faker: seeded([nl, en, base]), cities: ['Amsterdam', 'Rotterdam', 'Utrecht', 'Eindhoven'] },
  ];
}

/** `Élodie d'Arc` -> `elodie.darc`: the local part of a generated address. */
export function emailLocalPart(first: string, last: string): string {
  const clean = (text: string) => text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^a-z0-9]/g, '');
  return `${clean(first)}.${clean(last)}`.replace(/^\.|\.$/g, '') || 'contact';
}

/** `Schmidt - Kuhn & Co` -> `schmidt-kuhn-co`. */
export function companySlug(company: string): string {
  return company.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'company';
}

/** A deterministic stream of fake profiles; identifiers are unique within one generator. */
export function fakeProfileGenerator(seed: number, now: Date) {
  const byCountry = countries(seed);
  const picker = new Faker({ locale: [en, base] });
  picker.seed(seed + 1);
  const usedEmails = new Set<string>();
  const phoneCursor = new Map<string, number>();
  const weighted = byCountry.flatMap((country) => Array<CountryProfile>(country.weight).fill(country));

  const nextPhone = (country: string): string | null => {
    const blocks = fictionalPhoneBlocks[country];
    if (!blocks) return null;
    let index = phoneCursor.get(country) ?? 0;
    for (const block of blocks) {
      if (index < block.size) {
        phoneCursor.set(country, (phoneCursor.get(country) ?? 0) + 1);
        const digits = String(block.size - 1).length;
        return `${block.prefix}${String(index).padStart(digits, '0')}`;
      }
      index -= block.size;
    }
    return null;
  };
  const unique = (address: (attempt: number) => string): string => {
    for (let attempt = 0; ; attempt += 1) {
      const candidate = address(attempt);
      if (!usedEmails.has(candidate)) {
        usedEmails.add(candidate);
        return candidate;
      }
    }
  };
  const companies = Array.from({ length: 2_000 }, () => picker.company.name());

  return (): FakeProfileRow => {
    const country = picker.helpers.arrayElement(weighted);
    const { faker } = country;
    const first = faker.person.firstName();
    const last = faker.person.lastName();
    const company = picker.helpers.arrayElement(companies);
    const domain = `${companySlug(company)}.example`;
    const local = emailLocalPart(first, last);
    const verifiedAt = picker.date.between({ from: new Date(now.getTime() - 3 * 365 * 24 * 3600 * 1000), to: now }).toISOString();
    const professional = unique((attempt) => `${local}${attempt === 0 ? '' : attempt + 1}@${domain}`);
    const phones: FakeProfileRow['phones'] = [];
    if (picker.number.float() < 0.75) {
      const phone = nextPhone(country.code);
      if (phone) phones.push({ number: phone, status: picker.number.float() < 0.8 ? 'VERIFIED' : 'UNVERIFIED' });
    }
    const directEmails = picker.number.float() < 0.3 ? [unique((attempt) => `${local.replace('.', '')}${attempt === 0 ? '' : attempt + 1}@mail.example`)] : [];
    return {
      name: `${first} ${last}`,
      jobTitle: picker.helpers.arrayElement(TITLES),
      company,
      country: country.code,
      city: picker.helpers.arrayElement(country.cities),
      skills: picker.helpers.arrayElements(SKILLS, { min: 2, max: 6 }),
      profileUrl: `https://www.linkedin.com/in/${local.replace('.', '-')}-lgdemo-${picker.string.hexadecimal({ length: 8, casing: 'lower', prefix: '' })}`,
      professionalEmails: [{ address: professional, status: picker.number.float() < 0.85 ? 'VERIFIED' : 'UNVERIFIED', verifiedAt }],
      directEmails,
      phones,
      verifiedAt,
    };
  };
}
