import { DomainError, ErrorCode } from '@leadgraph/platform';
import {
  DELETION_CODE_MAX_ATTEMPTS,
  DELETION_CODE_RESEND_INTERVAL_MS,
  assertCanSendCode,
  codeMatches,
  confirmAccountDeletionInputSchema,
  deletionCodeHash,
  deletionOutcome,
  invalidDeletionCode,
  isCodeOpen,
} from '../account-deletion.rules';

const now = new Date('2026-07-01T09:00:00.000Z');

describe('account deletion rules', () => {
  it('[ACC-06] deleting the only administrator deletes the workspace for everyone', () => {
    expect(deletionOutcome({ workspaceId: 'w1', role: 'ADMIN' }, 1)).toEqual({ deletedWorkspaceId: 'w1', leftWorkspaceId: null });
  });

  it('[ACC-06] an administrator among others is simply withdrawn', () => {
    expect(deletionOutcome({ workspaceId: 'w1', role: 'ADMIN' }, 2)).toEqual({ deletedWorkspaceId: null, leftWorkspaceId: 'w1' });
  });

  it('[ACC-06] a member is simply withdrawn', () => {
    expect(deletionOutcome({ workspaceId: 'w1', role: 'MEMBER' }, 1)).toEqual({ deletedWorkspaceId: null, leftWorkspaceId: 'w1' });
  });

  it('[ACC-06] a user outside any workspace affects none', () => {
    expect(deletionOutcome(null, 0)).toEqual({ deletedWorkspaceId: null, leftWorkspaceId: null });
  });

  describe('[ACC-06] the confirmation code', () => {
    const salt = 'salt';
    const open = { status: 'PENDING' as const, codeHash: deletionCodeHash(salt, '123456'), codeExpiresAt: new Date(now.getTime() + 1000), attempts: 0 };

    it('is open while pending, unexpired and with attempts left', () => {
      expect(isCodeOpen(open, now)).toBe(true);
      expect(isCodeOpen({ ...open, codeExpiresAt: now }, now)).toBe(false);
      expect(isCodeOpen({ ...open, attempts: DELETION_CODE_MAX_ATTEMPTS }, now)).toBe(false);
      expect(isCodeOpen({ ...open, status: 'CONFIRMED' }, now)).toBe(false);
      expect(isCodeOpen({ ...open, codeHash: null }, now)).toBe(false);
    });

    it('is compared by its salted hash', () => {
      expect(codeMatches({ codeHash: open.codeHash, codeSalt: salt }, '123456')).toBe(true);
      expect(codeMatches({ codeHash: open.codeHash, codeSalt: salt }, '123457')).toBe(false);
      expect(codeMatches({ codeHash: null, codeSalt: null }, '123456')).toBe(false);
    });

    it('must be six digits', () => {
      expect(confirmAccountDeletionInputSchema.parse({ code: ' 012345 ' })).toEqual({ code: '012345' });
      expect(confirmAccountDeletionInputSchema.safeParse({ code: '12345' }).success).toBe(false);
      expect(confirmAccountDeletionInputSchema.safeParse({ code: 'abcdef' }).success).toBe(false);
    });

    it('can be sent again only after the resend interval', () => {
      const justSent = { codeSentAt: new Date(now.getTime() - 1000) };
      let error: unknown = null;
      try {
        assertCanSendCode(justSent, now);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe(ErrorCode.RATE_LIMITED);
      expect((error as DomainError).details.retryAfterSeconds).toBe(59);
      expect(() => assertCanSendCode({ codeSentAt: new Date(now.getTime() - DELETION_CODE_RESEND_INTERVAL_MS) }, now)).not.toThrow();
      expect(() => assertCanSendCode(null, now)).not.toThrow();
    });

    it('wrong, expired or exhausted codes get one answer on the code field', () => {
      const error = invalidDeletionCode();
      expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
      expect(error.details.field).toBe('code');
    });
  });
});
