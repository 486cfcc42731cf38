import { inject, injectable } from 'tsyringe';
import { ClickHouse } from './clickhouse/clickhouse';
import { insertUserEvents, type InsertUserEventsResult, type UserEventInput } from './userEvents/ingest';
import { deleteUsers, type DeleteUsersResult } from './users';

/** Injectable face of ingestion and user deletion for apps that resolve services from the container. */
@injectable()
export class UserEventsService {
  constructor(@inject(ClickHouse) private readonly ch: ClickHouse) {}

  insertUserEvents(workspaceId: string, events: readonly UserEventInput[]): Promise<InsertUserEventsResult> {
    return insertUserEvents(this.ch, workspaceId, events);
  }

  deleteUsers(workspaceId: string, userIds: readonly string[]): Promise<DeleteUsersResult> {
    return deleteUsers(this.ch, workspaceId, userIds);
  }
}
