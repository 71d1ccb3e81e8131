// Test data shared by the UI's tests (imported by `*.test.ts` only).

import type { ProfileDto, ProfileView, SubscriberDto } from "./bindings";

/** A subscriber registration with only its id and target host set. */
export function subscriberFixture(targetHost: string | null, id = "s1"): SubscriberDto {
  return {
    id,
    targetHost,
    syncStatus: null,
    syncFailureLogs: null,
    lastSyncTime: null,
    resyncStatus: null,
    lastResyncTime: null,
    cycleLength: null,
    enabled: true,
    created: null,
    updated: null,
  };
}

/** A saved profile as listed (password in the keyring). */
export function viewFixture(profile: ProfileDto, demo = false): ProfileView {
  return { profile, password: "keyring", demo, insecure: false, plaintextRemote: false };
}
