import { notFound, type Clock, type Logger } from '@leadgraph/platform';
import type { UserDocument, UserModel } from './user.model';

export class UserService {
  constructor(
    private readonly users: UserModel,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async findById(id: string): Promise<UserDocument | null> {
    return this.users.findById(id).lean<UserDocument>();
  }

  async getActiveUser(id: string): Promise<UserDocument> {
    const user = await this.findById(id);
    if (!user || user.status === 'DELETED') throw notFound('User not found');
    return user;
  }

  now(): Date {
    return this.clock.now();
  }

  log(): Logger {
    return this.logger;
  }
}
