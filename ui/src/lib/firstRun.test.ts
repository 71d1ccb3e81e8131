import { describe, expect, it } from "vitest";
import type { ProfileView } from "./bindings";
import { subscriberFixture, viewFixture } from "./fixtures";
import { emptyProfile } from "./profileDraft";
import {
  environmentName,
  environmentOf,
  guideSteps,
  initialPublisher,
  isLinked,
  linkedPublisher,
  parseTargetHost,
  publisherChoices,
  subscriberDraft,
  subscribersLacking,
} from "./firstRun";

const sub = subscriberFixture;

function view(id: string, hostname: string, port = 443, link: string | null = null, demo = false): ProfileView {
  const subscriberLinks = link ? [{ subscriberId: "s1", profileId: link }] : [];
  return viewFixture({ ...emptyProfile(), id, name: id, hostname, dxPort: port, subscriberLinks }, demo);
}

const publisher = { ...emptyProfile(), id: "pub", name: "prod-author", hostname: "author.example.com", dxUsername: "wpsadmin", dxProtocol: "http" as const };

describe("the first-run guide", () => {
  it("reads a target host with or without scheme and port", () => {
    expect(parseTargetHost("127.0.0.1:10040", "http")).toEqual({ protocol: "http", hostname: "127.0.0.1", port: 10040 });
    expect(parseTargetHost("render.example.com", "https")).toEqual({ protocol: "https", hostname: "render.example.com", port: null });
    expect(parseTargetHost(" https://render.example.com:8443/dx/api ", "http")).toEqual({ protocol: "https", hostname: "render.example.com", port: 8443 });
    expect(parseTargetHost("HTTP://[::1]:80", "https")).toEqual({ protocol: "http", hostname: "[::1]", port: 80 });
    expect(parseTargetHost("ftp://files.example.com", "https").protocol).toBe("https");
  });

  it("names an environment by its host's first label, or its address", () => {
    expect(environmentName({ protocol: "https", hostname: "render-eu.example.com", port: null })).toBe("render-eu");
    expect(environmentName({ protocol: "http", hostname: "127.0.0.1", port: 4000 })).toBe("127.0.0.1:4000");
  });

  it("prefills the subscriber environment from the registration and the publisher", () => {
    const d = subscriberDraft(sub("127.0.0.1:10040"), publisher);
    expect(d).toMatchObject({
      id: "",
      name: "127.0.0.1:10040",
      dxProtocol: "http",
      hostname: "127.0.0.1",
      dxPort: 10040,
      ringAPIPort: 10040,
      damAPIPort: 10040,
      dxUsername: "wpsadmin",
      subscriberLinks: [],
      subscriberProfileId: null,
      tls: { mode: "verify" },
    });
    expect(subscriberDraft(sub("https://render.example.com"), publisher).dxPort).toBe(443);
    expect(subscriberDraft(sub("render.example.com"), publisher).dxPort).toBe(80);
  });

  it("finds a subscriber's saved environment by host and port, never the publisher itself", () => {
    const profiles = [view("pub", "127.0.0.1", 10040), view("env", "127.0.0.1", 10041)];
    const pub = { ...publisher, hostname: "127.0.0.1", dxPort: 10040 };
    expect(environmentOf(sub("127.0.0.1:10041"), pub, profiles)?.profile.id).toBe("env");
    expect(environmentOf(sub("127.0.0.1:10040"), pub, profiles)).toBeNull();
    expect(environmentOf(sub(null), pub, profiles)).toBeNull();
  });

  it("links one subscriber of the publisher without touching the original", () => {
    const linked = linkedPublisher(publisher, "s1", "env");
    expect(linked.subscriberLinks).toEqual([{ subscriberId: "s1", profileId: "env" }]);
    expect(publisher.subscriberLinks).toEqual([]);
    expect(isLinked(linked, "s1", "env")).toBe(true);
    expect(isLinked(linked, "s2", "env")).toBe(false);
    // The older single link stands for the subscriber whose host is its host.
    expect(isLinked({ ...publisher, subscriberProfileId: "env" }, "s2", "env")).toBe(true);
  });

  it("moves through its steps", () => {
    const ids = (s: ReturnType<typeof guideSteps>) => s.map((x) => x.state);
    expect(ids(guideSteps(null, null, []))).toEqual(["current", "todo", "todo"]);
    expect(ids(guideSteps(publisher, null, []))).toEqual(["done", "current", "todo"]);
    const subs = [sub("127.0.0.1:10041")];
    expect(ids(guideSteps(publisher, subs, []))).toEqual(["done", "done", "current"]);
    const env = view("env", "127.0.0.1", 10041);
    expect(ids(guideSteps(publisher, subs, [env]))).toEqual(["done", "done", "current"]);
    expect(ids(guideSteps(linkedPublisher(publisher, "s1", "env"), subs, [env]))).toEqual(["done", "done", "done"]);
    expect(ids(guideSteps(publisher, [], []))).toEqual(["done", "done", "current"]);
    // Two subscribers (blue/green): done only when each has its own environment, linked.
    const two = [sub("127.0.0.1:10041", "s1"), sub("127.0.0.1:10042", "s2")];
    const green = view("green", "127.0.0.1", 10042);
    const one = linkedPublisher(publisher, "s1", "env");
    expect(ids(guideSteps(one, two, [env, green]))).toEqual(["done", "done", "current"]);
    expect(subscribersLacking(one, two, [env, green]).map((s) => s.targetHost)).toEqual(["127.0.0.1:10042"]);
    expect(ids(guideSteps(linkedPublisher(one, "s2", "green"), two, [env, green]))).toEqual(["done", "done", "done"]);
  });

  it("starts from the selected publisher, never a subscriber environment or a demo", () => {
    const profiles = [view("env", "b"), view("pub", "a", 443, "env"), view("demo", "c", 443, null, true)];
    expect(initialPublisher(profiles, "pub")).toBe("pub");
    expect(initialPublisher(profiles, "env")).toBe("pub");
    expect(initialPublisher(profiles, "demo")).toBe("pub");
    expect(initialPublisher([], null)).toBeNull();
    expect(initialPublisher([view("x", "a")], "x")).toBe("x");
    expect(publisherChoices(profiles).map((v) => v.profile.id)).toEqual(["pub"]);
  });
});
