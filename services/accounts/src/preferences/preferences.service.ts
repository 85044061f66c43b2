import { fromZodError, notFound, type Clock } from '@leadgraph/platform';
import type { UserDocument, UserModel } from '../users/user.model';
import { preferenceChanges, updatePreferencesInputSchema } from './preferences.rules';

/** A user's language and marketing e-mail choice. */
export class PreferencesService {
  constructor(
    private readonly users: UserModel,
    private readonly clock: Clock,
  ) {}

  async get(userId: string): Promise<UserDocument['preferences']> {
    return (await this.activeUser(userId)).preferences;
  }

  async update(userId: string, rawInput: unknown): Promise<UserDocument['preferences']> {
    const parsed = updatePreferencesInputSchema.safeParse(rawInput);
    if (!parsed.success) throw fromZodError(parsed.error);
    const user = await this.activeUser(userId);
    const now = this.clock.now();
    const changes = preferenceChanges(user.preferences, parsed.data, now);
    if (Object.keys(changes).length === 0) return user.preferences;
    const updated = await this.users.findOneAndUpdate(
      { _id: userId, status: 'ACTIVE' },
      { $set: { ...changes, updatedAt: now } },
      { new: true },
    );
    if (!updated) throw notFound('User not found');
    return updated.toObject().preferences;
  }

  private async activeUser(userId: string): Promise<UserDocument> {
    const user = await this.users.findById(userId, { preferences: 1, status: 1 }).lean<UserDocument>();
    if (!user || user.status !== 'ACTIVE') throw notFound('User not found');
    return user;
  }
}
