import { Controller, Get, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FedgateError, type Identity } from '@fedgate/core';
import { LiveConfig } from '@fedgate/broker-config';
import { CredentialsFlow } from '@fedgate/flows';
import type { Logger } from '@fedgate/logging';
import { evaluate, type Entitlement } from '@fedgate/mapping';
import { OAuthRuntime } from '../oauth/oauth-runtime';
import { BROKER_CLOCK, BROKER_LOGGER, type BrokerClock } from '../tokens';
import { AwsSsoError, sendPortalError } from './aws-sso-errors';
import { AwsSsoRuntime } from './aws-sso-runtime';
import { page, queryParam } from './pagination';

/** The header AWS's clients carry the SSO access token in (no `Authorization`: nothing is signed). */
const BEARER_HEADER = 'x-amz-sso_bearer_token';
const UNAUTHORIZED = 'Session token not found or invalid; run aws sso login';

interface Caller {
  identity: Identity;
  token: string;
  clientId: string;
}

/**
 * The AWS SSO portal API (`sso`, REST-JSON) on fedgate, at
 * `{publicUrl}/aws-sso/portal`: the user's accounts and roles (role names
 * are permission set names) and their credentials, issued through the same
 * CredentialsFlow as `/api/v1/credentials` (entitlement check, plan, cache,
 * audit, AWS limits). Every call carries an access token from the SSO OIDC
 * endpoints of a registered client.
 */
@Controller('aws-sso/portal')
export class SsoPortalController {
  constructor(
    @Inject(AwsSsoRuntime) private readonly sso: AwsSsoRuntime,
    @Inject(OAuthRuntime) private readonly oauth: OAuthRuntime,
    @Inject(CredentialsFlow) private readonly flow: CredentialsFlow,
    @Inject(LiveConfig) private readonly liveConfig: LiveConfig,
    @Inject(BROKER_CLOCK) private readonly now: BrokerClock,
    @Inject(BROKER_LOGGER) private readonly logger: Logger,
  ) {}

  /** ListAccounts. */
  @Get('assignment/accounts')
  async listAccounts(
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    try {
      const caller = await this.caller(request);
      const accounts = new Map<string, { accountId: string; accountName: string }>();
      for (const entitlement of this.entitlements(caller.identity)) {
        accounts.set(entitlement.accountId, {
          accountId: entitlement.accountId,
          accountName: entitlement.accountName,
        });
      }
      const sorted = [...accounts.values()].sort((a, b) => a.accountId.localeCompare(b.accountId));
      const { items, nextToken } = page(sorted, query);
      this.send(reply, { accountList: items, ...(nextToken === undefined ? {} : { nextToken }) });
    } catch (error) {
      sendPortalError(reply, error, this.logger, 'ListAccounts');
    }
  }

  /** ListAccountRoles: the permission sets the user has in one account. */
  @Get('assignment/roles')
  async listAccountRoles(
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    try {
      const caller = await this.caller(request);
      const accountId = queryParam(query, 'account_id');
      if (accountId === undefined) {
        throw new AwsSsoError('InvalidRequestException', 400, 'account_id is required');
      }
      const roles = this.entitlements(caller.identity)
        .filter((entitlement) => entitlement.accountId === accountId)
        .map((entitlement) => ({ roleName: entitlement.permissionSet, accountId: entitlement.accountId }))
        .sort((a, b) => a.roleName.localeCompare(b.roleName));
      if (roles.length === 0) {
        // One answer for an account that does not exist and one that is not the user's.
        throw new AwsSsoError('ResourceNotFoundException', 404, 'No account with this id is assigned to you');
      }
      const { items, nextToken } = page(roles, query);
      this.send(reply, { roleList: items, ...(nextToken === undefined ? {} : { nextToken }) });
    } catch (error) {
      sendPortalError(reply, error, this.logger, 'ListAccountRoles');
    }
  }

  /** GetRoleCredentials: `expiration` in epoch milliseconds, as AWS sends it. */
  @Get('federation/credentials')
  async getRoleCredentials(
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    try {
      const caller = await this.caller(request);
      const accountId = queryParam(query, 'account_id');
      const roleName = queryParam(query, 'role_name');
      if (accountId === undefined || roleName === undefined) {
        throw new AwsSsoError('InvalidRequestException', 400, 'account_id and role_name are required');
      }
      if (!/^\d{12}$/.test(accountId)) {
        throw new AwsSsoError('InvalidRequestException', 400, 'account_id must be a 12-digit account id');
      }
      const issued = await this.flow.credentials(
        caller.identity,
        { accountId, permissionSet: roleName },
        { clientAddress: request.ip },
      );
      this.send(reply, {
        roleCredentials: {
          accessKeyId: issued.accessKeyId,
          secretAccessKey: issued.secretAccessKey,
          sessionToken: issued.sessionToken,
          expiration: issued.expiration.getTime(),
        },
      });
    } catch (error) {
      if (error instanceof FedgateError && error.code === 'not_entitled') {
        sendPortalError(
          reply,
          new AwsSsoError('ForbiddenException', 403, 'No access'),
          this.logger,
          'GetRoleCredentials',
        );
        return;
      }
      sendPortalError(reply, error, this.logger, 'GetRoleCredentials');
    }
  }

  /** Logout: ends the login the token belongs to, its refresh token included. */
  @Post('logout')
  @HttpCode(200)
  async logout(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    try {
      const caller = await this.caller(request);
      await this.sso.server.grants.revoke(caller.token, caller.clientId);
      this.oauth.audit.record({
        event: 'aws_sso_logout',
        outcome: 'success',
        client: caller.clientId,
        connector: caller.identity.connectorId,
        subject: caller.identity.subject,
        clientAddress: request.ip,
      });
      void reply.status(200).header('Cache-Control', 'no-store').send('');
    } catch (error) {
      sendPortalError(reply, error, this.logger, 'Logout');
    }
  }

  /**
   * The user behind the request's SSO access token: a live login of a
   * registered AWS SSO client, its identity re-checked with its source when
   * due, as for every bearer request.
   */
  private async caller(request: FastifyRequest): Promise<Caller> {
    const header = request.headers[BEARER_HEADER];
    if (typeof header !== 'string' || header === '') {
      throw new AwsSsoError('UnauthorizedException', 401, UNAUTHORIZED);
    }
    const grant = await this.sso.server.authenticate(header);
    if (grant === null || (await this.sso.server.clients.find(grant.clientId)) === undefined) {
      throw new AwsSsoError('UnauthorizedException', 401, UNAUTHORIZED);
    }
    const session = await this.oauth.identityRefresh.current(grant.familyId, grant.session, request.ip);
    if (session === null) {
      throw new AwsSsoError('UnauthorizedException', 401, UNAUTHORIZED);
    }
    return { identity: session.identity, token: header, clientId: grant.clientId };
  }

  private entitlements(identity: Identity): Entitlement[] {
    return evaluate(identity, this.liveConfig.current, { now: new Date(this.now()) }).entitlements;
  }

  private send(reply: FastifyReply, body: unknown): void {
    void reply.status(200).header('Cache-Control', 'no-store').send(body);
  }
}
