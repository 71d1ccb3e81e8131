// Each subscriber's own environment: the publisher's links (one per subscriber, by registration
// id), the profile form's link pickers (prefilled: its link, else the older single link standing
// for it, else the saved connection whose host matches), which subscribers still lack one, and
// the DX release setting (CF level) with its find rule. Pure: tested with Vitest. Which
// environment stands for a subscriber is decided in Rust (`subscriberEnvironments`); this module
// only shows and edits it.

import type { ProfileDto, SubscriberEnvView, SubscriberLink } from "./bindings";

/** How a picker's value came to be. */
export type PickSource = "linked" | "fallback" | "offered" | "none";

/** One subscriber's row in the publisher's form. */
export interface LinkPick {
  subscriberId: string;
  targetHost: string | null;
  /** The environment's profile id; "" for none. */
  profileId: string;
  how: PickSource;
}

/** The publisher form's rows: each subscriber DX lists, with the environment to link prefilled. */
export function linkPicks(envs: readonly SubscriberEnvView[], draft: Pick<ProfileDto, "subscriberLinks">): LinkPick[] {
  return envs.map((e) => {
    const base = { subscriberId: e.subscriberId, targetHost: e.targetHost };
    const linked = draft.subscriberLinks.find((l) => l.subscriberId === e.subscriberId);
    if (linked) return { ...base, profileId: linked.profileId, how: "linked" };
    if (e.profileId && e.source === "fallback") return { ...base, profileId: e.profileId, how: "fallback" };
    if (e.offeredProfileId) return { ...base, profileId: e.offeredProfileId, how: "offered" };
    return { ...base, profileId: "", how: "none" };
  });
}

/** The links with `subscriberId` linked to `profileId` (or unlinked, for `null` or ""). */
export function setLink(links: readonly SubscriberLink[], subscriberId: string, profileId: string | null): SubscriberLink[] {
  const rest = links.filter((l) => l.subscriberId !== subscriberId);
  return profileId ? [...rest, { subscriberId, profileId }] : rest;
}

/** The links the form saves: every pick with an environment; links of subscribers not listed stay. */
export function linksOf(links: readonly SubscriberLink[], picks: readonly LinkPick[]): SubscriberLink[] {
  let out = [...links];
  for (const p of picks) out = setLink(out, p.subscriberId, p.profileId || null);
  return out;
}

/** The publisher's settings with subscriber `subscriberId` linked to `environmentId`. */
export function withLink(publisher: ProfileDto, subscriberId: string, environmentId: string): ProfileDto {
  const p = JSON.parse(JSON.stringify(publisher)) as ProfileDto;
  p.subscriberLinks = setLink(p.subscriberLinks, subscriberId, environmentId);
  return p;
}

/** Every profile a publisher names as a subscriber's environment (its links and the older link). */
export function environmentIds(p: Pick<ProfileDto, "subscriberLinks" | "subscriberProfileId">): string[] {
  const ids = p.subscriberLinks.map((l) => l.profileId);
  if (p.subscriberProfileId) ids.push(p.subscriberProfileId);
  return [...new Set(ids)];
}

/** The subscribers that still lack an environment's connection. */
export function lacking(envs: readonly SubscriberEnvView[]): SubscriberEnvView[] {
  return envs.filter((e) => !e.profileId);
}

/** A subscriber named by its target host (its id when DX gives none). */
export function hostOf(e: Pick<SubscriberEnvView, "subscriberId" | "targetHost">): string {
  return e.targetHost?.trim() || e.subscriberId;
}

/** What the app says of a subscriber's environment, in words. */
export function environmentWords(e: SubscriberEnvView): string {
  if (e.profileId && e.source === "fallback") return `${e.profileName ?? e.profileId} (the publisher's older single link)`;
  if (e.profileId) return e.profileName ?? e.profileId;
  if (e.offeredProfileId) return `not linked: ${e.offeredProfileName ?? e.offeredProfileId} has its host`;
  return "no connection to its environment yet";
}

/** The first release whose finds are judged by their progress (HCL: "no longer a 30-minute limitation"). */
export const FIND_PROGRESS_SINCE_CF = 218;

/**
 * The CF level typed in the form: empty is none (a current release); `224` or `CF224` is 224;
 * anything else is 0, which the profile check names as not a CF level.
 */
export function cfLevelValue(text: string): number | null {
  const t = text.trim();
  if (t === "") return null;
  const m = /^(?:cf)?\s*(\d{1,5})$/i.exec(t);
  return m ? Number(m[1]) : 0;
}

/** The one line under the CF level: which rule judges a running find on this DX. */
export function findRuleNote(cf: number | null): string {
  if (cf !== null && cf > 0 && cf < FIND_PROGRESS_SINCE_CF) {
    return `Before CF${FIND_PROGRESS_SINCE_CF}: a find still running after HCL's 30 minutes is diagnosed as stuck.`;
  }
  return `CF${FIND_PROGRESS_SINCE_CF} and later: a find is judged by its operations' progress, however long it takes.`;
}
