import { Controller, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BrokerSession } from '@fedgate/sessions';
import { ConfigReloader, type ReloadReport } from '../config-reloader';
import { CurrentSession } from '../http/request-session';
import { noStore } from '../http/no-store';
import { SessionGuard } from '../http/session.guard';

/** A refused reload: the configuration in force keeps running. */
const UNPROCESSABLE = 422;

/** Reloads the broker's configuration file, for the administrators the config names. */
@Controller('api/v1/admin')
@UseGuards(SessionGuard)
export class ConfigReloadController {
  constructor(@Inject(ConfigReloader) private readonly reloader: ConfigReloader) {}

  /**
   * Re-reads the file the broker started with (docs/operations/config-reload.md):
   * 200 `{version, changedSections, restartRequired: []}` when it is in force,
   * 422 `{error: "config_invalid", message, version, changedSections,
   * restartRequired, issues}` listing every issue with its path when it is
   * refused. Admins only (403 not_entitled), as explain.
   */
  @Post('reload')
  @HttpCode(200)
  async reload(
    @CurrentSession() current: { session: BrokerSession },
    @Req() http: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Record<string, unknown>> {
    noStore(reply);
    const report: ReloadReport = await this.reloader.reloadAsAdmin(current.session.identity, http.ip);
    if (report.ok) {
      return {
        version: report.version,
        changedSections: report.changedSections,
        restartRequired: report.restartRequired,
      };
    }
    void reply.status(UNPROCESSABLE);
    return {
      error: 'config_invalid',
      message: 'The configuration was not reloaded; the one in force keeps running',
      version: report.version,
      changedSections: report.changedSections,
      restartRequired: report.restartRequired,
      issues: report.issues,
    };
  }
}
