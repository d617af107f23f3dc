import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { API_PREFIX } from '../api-errors/api-exception.filter.js';
import { RequestLimits } from './request-limits.js';

/**
 * The per-address limit on every route under /v1 and /admin, before anything else runs (authentication
 * included: a flood of bad tokens is refused before any is verified). Health and metrics are
 * for the platform's probes and are not limited.
 */
@Injectable()
export class ClientAddressLimitGuard implements CanActivate {
  constructor(private readonly limits: RequestLimits) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request>();
    const path = request.originalUrl ?? request.url;
    if (!path.startsWith(`${API_PREFIX}/`) && !path.startsWith('/admin/')) return true;
    this.limits.admit('ip', request.ip ?? request.socket.remoteAddress ?? 'unknown');
    return true;
  }
}
