// The Getting started guide: its steps, and the subscriber environment's connection prefilled
// from the subscriber's registration on the publisher.

import type { ProfileDto, ProfileView, Protocol, SubscriberDto } from "./bindings";
import { emptyProfile } from "./profileDraft";
import { environmentIds, withLink } from "./subscriberEnvs";

/** Why the guide asks for the subscriber environment's connection (shown as is). */
export const WHY_SUBSCRIBER_CONNECTION =
  "Pre-flight checks and watching a resync's operations read the subscriber environment itself, so it needs its own saved connection, linked to the publisher's.";

export type StepState = "done" | "current" | "todo";
export type GuideStep = { id: "publisher" | "subscribers" | "environments"; title: string; state: StepState };

/** Where a `targetHost` points: `host[:port]` or a URL. */
export type Target = { protocol: Protocol; hostname: string; port: number | null };

/**
 * Reads a subscriber's `targetHost` (`render.example.com`, `127.0.0.1:10040`,
 * `https://render.example.com:443/`). Without a scheme, or with one that is neither `http` nor
 * `https`, the publisher's protocol is assumed.
 */
export function parseTargetHost(targetHost: string, fallbackProtocol: Protocol): Target {
  let rest = targetHost.trim();
  let protocol = fallbackProtocol;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(rest);
  if (scheme) {
    const s = scheme[1].toLowerCase();
    if (s === "http" || s === "https") protocol = s;
    rest = rest.slice(scheme[0].length);
  }
  rest = rest.split(/[/?#]/)[0];
  const at = rest.lastIndexOf("@");
  if (at >= 0) rest = rest.slice(at + 1);
  let hostname = rest;
  let port: number | null = null;
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(rest);
  if (m) {
    hostname = m[1];
    port = Number(m[2]);
  }
  return { protocol, hostname, port };
}

/** A short name for a subscriber environment's connection: a host's first label, or an address as is. */
export function environmentName(t: Target): string {
  const ip = /^[\d.]+$/.test(t.hostname) || t.hostname.startsWith("[");
  if (ip) return t.port ? `${t.hostname}:${t.port}` : t.hostname;
  return t.hostname.split(".")[0] || t.hostname;
}

/**
 * A new connection for a subscriber's environment: its host, port and protocol from the
 * registration, the rest (user name, versions, time limits) from the publisher. The password is
 * not copied; the user types it.
 */
export function subscriberDraft(sub: SubscriberDto, publisher: ProfileDto): ProfileDto {
  const t = parseTargetHost(sub.targetHost ?? "", publisher.dxProtocol);
  const port = t.port ?? (t.protocol === "http" ? 80 : 443);
  return {
    ...emptyProfile(),
    name: environmentName(t),
    dxProtocol: t.protocol,
    hostname: t.hostname,
    dxPort: port,
    ringAPIPort: port,
    damAPIPort: port,
    ringAPIVersion: publisher.ringAPIVersion,
    damAPIVersion: publisher.damAPIVersion,
    dxUsername: publisher.dxUsername,
    timeouts: { ...publisher.timeouts },
  };
}

/** The saved connection that points where the subscriber does (same host and port), if any. */
export function environmentOf(sub: SubscriberDto, publisher: ProfileDto, profiles: readonly ProfileView[]): ProfileView | null {
  if (!sub.targetHost) return null;
  const want = subscriberDraft(sub, publisher);
  const host = want.hostname.toLowerCase();
  return (
    profiles.find(
      (v) => v.profile.id !== publisher.id && v.profile.hostname.trim().toLowerCase() === host && v.profile.dxPort === want.dxPort,
    ) ?? null
  );
}

/** The publisher's settings with subscriber `subscriberId` linked to its environment `environmentId`. */
export function linkedPublisher(publisher: ProfileDto, subscriberId: string, environmentId: string): ProfileDto {
  return withLink(publisher, subscriberId, environmentId);
}

/**
 * Whether the publisher uses `environmentId` for subscriber `subscriberId`: linked to it, or its
 * older single link names it (that link stands for the subscriber whose host is its host).
 */
export function isLinked(publisher: ProfileDto, subscriberId: string, environmentId: string): boolean {
  const link = publisher.subscriberLinks.find((l) => l.subscriberId === subscriberId);
  return link ? link.profileId === environmentId : publisher.subscriberProfileId === environmentId;
}

/** The guide's three steps and where the user is. */
export function guideSteps(
  publisher: ProfileDto | null,
  subscribers: readonly SubscriberDto[] | null,
  profiles: readonly ProfileView[],
): GuideStep[] {
  const haveList = publisher !== null && subscribers !== null;
  const allLinked =
    haveList &&
    subscribers.length > 0 &&
    subscribers.every((s) => {
      const env = environmentOf(s, publisher, profiles);
      return env !== null && isLinked(publisher, s.id, env.profile.id);
    });
  const state = (done: boolean, reachable: boolean): StepState => (done ? "done" : reachable ? "current" : "todo");
  return [
    { id: "publisher", title: "Add the publisher connection", state: state(publisher !== null, true) },
    { id: "subscribers", title: "See the publisher's subscribers", state: state(haveList, publisher !== null) },
    { id: "environments", title: "Add each subscriber's environment", state: state(allLinked, haveList) },
  ];
}

/** The subscribers whose environment is not saved and linked yet (the guide names them by host). */
export function subscribersLacking(publisher: ProfileDto, subscribers: readonly SubscriberDto[], profiles: readonly ProfileView[]): SubscriberDto[] {
  return subscribers.filter((s) => {
    const env = environmentOf(s, publisher, profiles);
    return env === null || !isLinked(publisher, s.id, env.profile.id);
  });
}

/** The connections the guide offers as the publisher: saved ones that are no publisher's subscriber environment. */
export function publisherChoices(profiles: readonly ProfileView[]): ProfileView[] {
  const environments = new Set(profiles.flatMap((v) => (v.profile.id ? environmentIds(v.profile).filter((id) => id !== v.profile.id) : [])));
  return profiles.filter((v) => !v.demo && !environments.has(v.profile.id));
}

/** The publisher the guide starts with: the selected connection if it can be one, else one already linked to its environment. */
export function initialPublisher(profiles: readonly ProfileView[], selectedId: string | null): string | null {
  const choices = publisherChoices(profiles);
  const selected = choices.find((v) => v.profile.id === selectedId);
  return (selected ?? choices.find((v) => environmentIds(v.profile).length > 0))?.profile.id ?? null;
}
