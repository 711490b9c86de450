/** What every panel of the dashboard shares: who is logged in, what they may do, and navigation. */
import type { GetDaemonInfoResponse, StreamStatusResponse } from '../../src/api/gen/daq/v1/control_pb.js';

/** A role, as the daemon names it. */
export type Role = 'observer' | 'operator' | 'admin';

const RANK: Record<Role, number> = { observer: 0, operator: 1, admin: 2 };

/** A panel (tab) of the dashboard. */
export interface View {
  el: HTMLElement;
  /** The tab became visible: start live updates. */
  show(): void;
  /** The tab was hidden: stop what costs. */
  hide(): void;
}

/** The dashboard as the panels see it. */
export class App {
  private readonly statusListeners = new Set<(status: StreamStatusResponse) => void>();
  /** The latest status message. */
  status: StreamStatusResponse | undefined;
  /** Switches tab; set by main. */
  go: (tab: string, detail?: Record<string, string>) => void = () => undefined;

  constructor(readonly info: GetDaemonInfoResponse) {}

  /** The caller's role. */
  get role(): Role {
    return (['observer', 'operator', 'admin'].includes(this.info.role) ? this.info.role : 'observer') as Role;
  }

  /** Whether the caller has at least `needed`. */
  may(needed: Role): boolean {
    return RANK[this.role] >= RANK[needed];
  }

  /** Why a control needing `needed` is disabled ('' when it is not). */
  reason(needed: Role): string {
    return this.may(needed) ? '' : `needs the ${needed} role; you are ${this.role}`;
  }

  /** Disables `element` (with the reason as its tooltip and label) unless the caller has `needed`. */
  guard<E extends HTMLButtonElement | HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(element: E, needed: Role = 'operator'): E {
    if (!this.may(needed)) {
      element.disabled = true;
      element.title = this.reason(needed);
      element.classList.add('locked');
      element.dataset['locked'] = this.reason(needed);
    }
    return element;
  }

  /** Hears every status message (daemon state, current run, devices). */
  onStatus(listener: (status: StreamStatusResponse) => void): () => void {
    this.statusListeners.add(listener);
    if (this.status !== undefined) listener(this.status);
    return () => this.statusListeners.delete(listener);
  }

  /** Called by main with each status message. */
  publishStatus(status: StreamStatusResponse): void {
    this.status = status;
    for (const listener of this.statusListeners) listener(status);
  }
}
