import { inject, injectable } from 'tsyringe';
import { ConflictError, NotFoundError } from '@permafrost/core/plugin';
import { ClickHouse } from './clickhouse/clickhouse';
import { assertWorkspaceId } from './ids';
import { insertUserEvents, type InsertUserEventsResult, type UserEventInput } from './userEvents/ingest';
import { deleteUsers, type DeleteUsersResult } from './users';
import { WorkspaceTable, type WorkspaceRecord } from './workspace-table';

/**
 * Ingestion and user deletion for apps that resolve services from the container. Unlike the bare
 * ClickHouse functions it checks the workspace in Postgres first: events for a workspace that does not
 * exist (or is tombstoned) would be stored where no lifecycle operation ever finds them.
 */
@injectable()
export class UserEventsService {
  constructor(
    @inject(ClickHouse) private readonly ch: ClickHouse,
    @inject(WorkspaceTable) private readonly workspaces: WorkspaceTable,
  ) {}

  async insertUserEvents(workspaceId: string, events: readonly UserEventInput[]): Promise<InsertUserEventsResult> {
    const workspace = await this.existing(workspaceId);
    if (workspace.status === 'Tombstoned') {
      throw new ConflictError(`Workspace ${workspaceId} is tombstoned and takes no events; untombstone it first.`, { workspaceId });
    }
    if (workspace.kind !== null && this.workspaces.profile.postgres.workspace.kindsWithoutEvents.includes(workspace.kind)) {
      throw new ConflictError(`Workspace ${workspaceId} is a ${workspace.kind} workspace, which takes no events (its child workspaces do); send them to a child.`, { workspaceId });
    }
    return insertUserEvents(this.ch, workspaceId, events);
  }

  async deleteUsers(workspaceId: string, userIds: readonly string[]): Promise<DeleteUsersResult> {
    await this.existing(workspaceId);
    return deleteUsers(this.ch, workspaceId, userIds);
  }

  private async existing(workspaceId: string): Promise<WorkspaceRecord> {
    assertWorkspaceId(workspaceId);
    const workspace = await this.workspaces.find(workspaceId);
    if (!workspace) throw new NotFoundError(`Workspace ${workspaceId} does not exist.`, { workspaceId });
    return workspace;
  }
}
