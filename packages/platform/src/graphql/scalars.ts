import { DateTimeISOResolver, EmailAddressResolver, JSONObjectResolver, URLResolver } from 'graphql-scalars';

/** Scalars shared by every subgraph: same names, same meaning across the supergraph. */
export const DateTimeScalar = DateTimeISOResolver;
export const EmailAddressScalar = EmailAddressResolver;
export const URLScalar = URLResolver;
export const JSONObjectScalar = JSONObjectResolver;

export const sharedScalarsMap = [{ type: Date, scalar: DateTimeISOResolver }];
