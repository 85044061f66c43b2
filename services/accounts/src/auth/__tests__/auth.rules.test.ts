import {
  VERIFICATION_CODE_TTL_MS,
  VERIFICATION_MAX_ATTEMPTS,
  VERIFICATION_RESEND_COOLDOWN_MS,
  canResendVerificationCode,
  domainMatchesPattern,
  emailDomainOf,
  formatVerificationCode,
  freeMailDomainPatterns,
  isBootstrapSuperAdmin,
  isBusinessEmail,
  isFreeMailDomain,
  passwordProblem,
  signUpInputSchema,
  signUpLegalProblem,
  verificationCodeWindow,
  verificationRefusal,
} from '../auth.rules';

const now = new Date('2026-11-23T09:00:00.000Z');

describe('auth rules', () => {
  describe('business e-mail only (ACC-01)', () => {
    it('[ACC-01] refuses the free-mail providers named by the rule, whatever the case', () => {
      for (const email of ['jane@gmail.com', 'jane@YAHOO.com', 'jane@hotmail.fr', 'jane@outlook.com', 'jane@gmx.de', 'jane@laposte.net']) {
        expect(isBusinessEmail(email)).toBe(false);
      }
    });

    it('[ACC-01] "yahoo.*" patterns match the provider under any public suffix', () => {
      expect(isFreeMailDomain('yahoo.fr')).toBe(true);
      expect(isFreeMailDomain('yahoo.co.uk')).toBe(true);
      expect(isFreeMailDomain('mail.yahoo.com.br')).toBe(true);
      expect(isFreeMailDomain('outlook.be')).toBe(true);
      expect(isFreeMailDomain('gmx.net')).toBe(true);
    });

    it('[ACC-01] a pattern does not catch company domains that merely contain the provider name', () => {
      expect(domainMatchesPattern('yahoo-partners.com', 'yahoo.*')).toBe(false);
      expect(domainMatchesPattern('live.acme.com', 'live.*')).toBe(false);
      expect(domainMatchesPattern('notgmail.com', 'gmail.com')).toBe(false);
      expect(isBusinessEmail('jane@acme-industries.com')).toBe(true);
      expect(isBusinessEmail('jane@sub.gmail.com')).toBe(false);
    });

    it('[ACC-01] the list is data: a custom list replaces the shipped one', () => {
      expect(freeMailDomainPatterns).toEqual(expect.arrayContaining(['gmail.com', 'yahoo.*', 'hotmail.*', 'outlook.*', 'gmx.*', 'laposte.net']));
      expect(isBusinessEmail('jane@gmail.com', ['example.org'])).toBe(true);
      expect(isBusinessEmail('jane@example.org', ['example.org'])).toBe(false);
    });

    it('extracts the domain after the last @, lower-cased', () => {
      expect(emailDomainOf('"a@b"@Acme.COM')).toBe('acme.com');
    });
  });

  describe('passwords (ACC-03)', () => {
    const context = { email: 'jane.doe@acme.com', displayName: 'Jane Doe' };

    it('[ACC-03] needs at least 12 characters and at most 128', () => {
      expect(passwordProblem('short pass', context)).toMatch(/at least 12/);
      expect(passwordProblem('x'.repeat(60) + 'y'.repeat(69), context)).toMatch(/at most 128/);
      expect(passwordProblem('correct horse battery staple', context)).toBeNull();
    });

    it('[ACC-03] refuses trivially guessable passwords', () => {
      expect(passwordProblem('aaaaaaaaaaaaaaaa', context)).toMatch(/different characters/);
      expect(passwordProblem('JANE.DOE-secret-2026', context)).toMatch(/e-mail/);
      expect(passwordProblem('my name is jane doe!', context)).toMatch(/name/);
    });
  });

  describe('sign-up input (ACC-01)', () => {
    const valid = {
      email: '  Jane@ACME.com ',
      password: 'correct horse battery staple',
      displayName: ' Jane ',
      termsVersion: '1.0',
      privacyPolicyVersion: '1.0',
      language: 'fr',
    };

    it('normalises the e-mail to lower case and trims the name', () => {
      const parsed = signUpInputSchema.parse(valid);
      expect(parsed).toMatchObject({ email: 'jane@acme.com', displayName: 'Jane', marketingEmails: false });
    });

    it('names the field at fault', () => {
      const result = signUpInputSchema.safeParse({ ...valid, email: 'not-an-email' });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(['email']);
      expect(signUpInputSchema.safeParse({ ...valid, language: 'de' }).error?.issues[0]?.path).toEqual(['language']);
    });

    it('[ACC-01] sign-up must accept exactly the terms and privacy policy in force', () => {
      const inForce = { TERMS: '2.0', PRIVACY_POLICY: '1.1' };
      expect(signUpLegalProblem({ termsVersion: '2.0', privacyPolicyVersion: '1.1' }, inForce)).toBeNull();
      expect(signUpLegalProblem({ termsVersion: '1.0', privacyPolicyVersion: '1.1' }, inForce)?.field).toBe('termsVersion');
      expect(signUpLegalProblem({ termsVersion: '2.0', privacyPolicyVersion: '1.0' }, inForce)?.field).toBe('privacyPolicyVersion');
      expect(signUpLegalProblem({ termsVersion: '2.0', privacyPolicyVersion: '1.1' }, { TERMS: null, PRIVACY_POLICY: '1.1' })?.field).toBe(
        'termsVersion',
      );
    });
  });

  describe('one-time verification codes (ACC-01)', () => {
    const code = verificationCodeWindow(now);

    it('[ACC-01] a code expires 15 minutes after it was sent', () => {
      expect(code.expiresAt.getTime() - now.getTime()).toBe(VERIFICATION_CODE_TTL_MS);
      expect(verificationRefusal(code, '123456', new Date(now.getTime() + VERIFICATION_CODE_TTL_MS - 1))).toBeNull();
      expect(verificationRefusal(code, '123456', code.expiresAt)).toBe('EXPIRED');
    });

    it('[ACC-01] attempts are limited', () => {
      expect(verificationRefusal({ ...code, attempts: VERIFICATION_MAX_ATTEMPTS - 1 }, '123456', now)).toBeNull();
      expect(verificationRefusal({ ...code, attempts: VERIFICATION_MAX_ATTEMPTS }, '123456', now)).toBe('EXHAUSTED');
    });

    it('[ACC-01] no code or a malformed one is refused before any comparison', () => {
      expect(verificationRefusal(null, '123456', now)).toBe('NO_CODE');
      expect(verificationRefusal(code, '12345', now)).toBe('MALFORMED');
      expect(verificationRefusal(code, 'abcdef', now)).toBe('MALFORMED');
    });

    it('[ACC-01] a new code can be sent at most once a minute', () => {
      expect(canResendVerificationCode(null, now)).toBe(true);
      expect(canResendVerificationCode({ sentAt: now }, new Date(now.getTime() + VERIFICATION_RESEND_COOLDOWN_MS - 1))).toBe(false);
      expect(canResendVerificationCode({ sentAt: now }, new Date(now.getTime() + VERIFICATION_RESEND_COOLDOWN_MS))).toBe(true);
    });

    it('formats codes as 6 digits, keeping leading zeros', () => {
      expect(formatVerificationCode(42)).toBe('000042');
      expect(formatVerificationCode(999_999)).toBe('999999');
    });
  });

  it('the bootstrap address becomes super admin whatever its case; no address configured, nobody does', () => {
    expect(isBootstrapSuperAdmin('Ops@Acme.com', 'ops@acme.com')).toBe(true);
    expect(isBootstrapSuperAdmin('other@acme.com', 'ops@acme.com')).toBe(false);
    expect(isBootstrapSuperAdmin('ops@acme.com', undefined)).toBe(false);
  });
});
