import { describe, expect, it } from "vitest";
import type { SubscriberEnvView } from "./bindings";
import { emptyProfile } from "./profileDraft";
import { cfLevelValue, environmentIds, environmentWords, findRuleNote, hostOf, lacking, linkPicks, linksOf, setLink, withLink } from "./subscriberEnvs";

function env(subscriberId: string, over: Partial<SubscriberEnvView> = {}): SubscriberEnvView {
  return {
    subscriberId,
    targetHost: `${subscriberId}.example.com`,
    profileId: null,
    profileName: null,
    source: null,
    offeredProfileId: null,
    offeredProfileName: null,
    ...over,
  };
}

describe("subscriber environments", () => {
  it("prefills each picker: the link, else the older link standing for it, else the host match", () => {
    const draft = { ...emptyProfile(), subscriberLinks: [{ subscriberId: "blue", profileId: "env-blue" }] };
    const picks = linkPicks(
      [
        env("blue", { profileId: "env-blue", profileName: "Blue", source: "linked" }),
        env("green", { profileId: "env-old", source: "fallback" }),
        env("grey", { offeredProfileId: "env-grey", offeredProfileName: "Grey" }),
        env("black"),
      ],
      draft,
    );
    expect(picks.map((p) => [p.subscriberId, p.profileId, p.how])).toEqual([
      ["blue", "env-blue", "linked"],
      ["green", "env-old", "fallback"],
      ["grey", "env-grey", "offered"],
      ["black", "", "none"],
    ]);
    // The draft's own links win over what the server resolved for the saved profile.
    const edited = linkPicks([env("green", { profileId: "env-old", source: "fallback" })], { subscriberLinks: [{ subscriberId: "green", profileId: "env-new" }] });
    expect(edited[0]).toMatchObject({ profileId: "env-new", how: "linked" });
  });

  it("saves one link per subscriber and keeps the links of subscribers not listed", () => {
    const links = [
      { subscriberId: "gone", profileId: "env-x" },
      { subscriberId: "blue", profileId: "env-blue" },
    ];
    const saved = linksOf(links, [
      { subscriberId: "blue", targetHost: null, profileId: "", how: "none" },
      { subscriberId: "green", targetHost: null, profileId: "env-green", how: "offered" },
    ]);
    expect(saved).toEqual([
      { subscriberId: "gone", profileId: "env-x" },
      { subscriberId: "green", profileId: "env-green" },
    ]);
    expect(setLink(saved, "green", "env-2")).toEqual([
      { subscriberId: "gone", profileId: "env-x" },
      { subscriberId: "green", profileId: "env-2" },
    ]);
    const pub = { ...emptyProfile(), id: "p", subscriberLinks: links };
    const linked = withLink(pub, "green", "env-green");
    expect(linked.subscriberLinks).toHaveLength(3);
    expect(pub.subscriberLinks).toHaveLength(2);
  });

  it("names the environments a publisher uses and the subscribers lacking one, by host", () => {
    const p = { ...emptyProfile(), subscriberLinks: [{ subscriberId: "a", profileId: "e1" }, { subscriberId: "b", profileId: "e1" }], subscriberProfileId: "e0" };
    expect(environmentIds(p)).toEqual(["e1", "e0"]);
    const envs = [env("a", { profileId: "e1", profileName: "Blue", source: "linked" }), env("b", { targetHost: null }), env("c", { offeredProfileId: "e3", offeredProfileName: "Grey" })];
    expect(lacking(envs).map(hostOf)).toEqual(["b", "c.example.com"]);
    expect(environmentWords(envs[0])).toBe("Blue");
    expect(environmentWords(envs[2])).toContain("Grey has its host");
    expect(environmentWords(env("d", { profileId: "e0", profileName: "Old", source: "fallback" }))).toContain("older single link");
  });

  it("reads the CF level and says which find rule applies", () => {
    expect(cfLevelValue("")).toBeNull();
    expect(cfLevelValue(" 224 ")).toBe(224);
    expect(cfLevelValue("CF217")).toBe(217);
    expect(cfLevelValue("cf 218")).toBe(218);
    expect(cfLevelValue("latest")).toBe(0);
    expect(findRuleNote(217)).toContain("30 minutes");
    expect(findRuleNote(218)).toContain("progress");
    expect(findRuleNote(null)).toContain("progress");
  });
});
