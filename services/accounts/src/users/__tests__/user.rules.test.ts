import { canLinkLinkedInProfile, canSeePrivateDetails, linkedInLinkOutcome, parseLinkedInProfileUrl } from '../user.rules';

describe('user rules', () => {
  describe('LinkedIn profile links (ACC-04)', () => {
    it('[ACC-04] accepts linkedin.com/in/ URLs in their usual forms and normalises them', () => {
      for (const url of [
        'https://www.linkedin.com/in/Jane-Doe/',
        'http://fr.linkedin.com/in/jane-doe?trk=abc',
        'linkedin.com/in/jane-doe',
        ' https://linkedin.com/in/jane-doe#about ',
      ]) {
        expect(parseLinkedInProfileUrl(url)).toEqual({ profileUrl: 'linkedin.com/in/jane-doe' });
      }
    });

    it('[ACC-04] refuses anything that is not a personal LinkedIn profile', () => {
      for (const url of [
        '',
        'https://www.linkedin.com/company/acme',
        'https://www.linkedin.com/in/',
        'https://www.linkedin.com/in/jane-doe/details/experience',
        'https://evil.com/in/jane-doe',
        'https://linkedin.com.evil.com/in/jane-doe',
        'ftp://linkedin.com/in/jane-doe',
        'javascript:alert(1)',
      ]) {
        expect(parseLinkedInProfileUrl(url)).toHaveProperty('problem');
      }
    });

    it('[ACC-04] only a verified, active account can link a profile', () => {
      expect(canLinkLinkedInProfile({ status: 'ACTIVE', emailVerifiedAt: new Date() })).toBe(true);
      expect(canLinkLinkedInProfile({ status: 'PENDING_VERIFICATION', emailVerifiedAt: null })).toBe(false);
      expect(canLinkLinkedInProfile({ status: 'SUSPENDED', emailVerifiedAt: new Date() })).toBe(false);
    });

    it('[ACC-04] a profile is linked once: the same again is a no-op, another one is refused', () => {
      expect(linkedInLinkOutcome({ linkedInProfileUrl: null }, 'linkedin.com/in/jane')).toBe('LINK');
      expect(linkedInLinkOutcome({ linkedInProfileUrl: 'linkedin.com/in/jane' }, 'linkedin.com/in/jane')).toBe('ALREADY_LINKED');
      expect(linkedInLinkOutcome({ linkedInProfileUrl: 'linkedin.com/in/jane' }, 'linkedin.com/in/john')).toBe('LINKED_TO_OTHER_PROFILE');
    });
  });

  it('private details are for the user themself and staff only', () => {
    expect(canSeePrivateDetails({ kind: 'user', userId: 'u1', staffRoles: [] }, 'u1')).toBe(true);
    expect(canSeePrivateDetails({ kind: 'user', userId: 'u2', staffRoles: [] }, 'u1')).toBe(false);
    expect(canSeePrivateDetails({ kind: 'user', userId: 'u2', staffRoles: ['SUPPORT'] }, 'u1')).toBe(true);
    expect(canSeePrivateDetails({ kind: 'apiToken', userId: 'u1' }, 'u1')).toBe(false);
    expect(canSeePrivateDetails({ kind: 'anonymous' }, 'u1')).toBe(false);
  });
});
