//! Every screen at three window sizes: nothing overflows sideways, `axe-core` finds no serious or
//! critical violation (in the light and the dark colours), and the keyboard reaches the
//! Subscribers screen's controls with a visible focus. Demo mode, so no simulator of its own.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use serde_json::{json, Value};

use super::{eval, screenshot_tmp, wait_attr};
use crate::harness::*;

/// The window sizes every screen must fit (inner size, CSS pixels).
const SIZES: [(u32, u32); 3] = [(1024, 768), (1280, 800), (1920, 1080)];

/// Resizes the window so that its inner size is `w` × `h` (WebDriver sets the outer size; any
/// frame is added), and checks that it is.
pub(super) async fn resize(c: &Client, w: u32, h: u32) {
    let inner = || async {
        let v: Vec<i64> = eval(c, "return [window.innerWidth, window.innerHeight]", vec![]).await;
        (v[0], v[1])
    };
    c.set_window_size(w, h).await.expect("set the window size");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (iw, ih) = inner().await;
    if (iw, ih) != (i64::from(w), i64::from(h)) {
        let (ow, oh) = (2 * i64::from(w) - iw, 2 * i64::from(h) - ih);
        c.set_window_size(ow as u32, oh as u32)
            .await
            .expect("set the window size");
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let got = inner().await;
        if got == (i64::from(w), i64::from(h)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the window's inner size is {got:?}, not {w}×{h}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Let the layout settle (a resize observer or two).
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// Every element of the page wider inside than out (`scrollWidth > clientWidth + 1`), with a
/// selector path and both widths. Allowed: the grid's own scroller (the one element meant to
/// scroll sideways), a cell cut on purpose with an ellipsis (its full text in a tooltip), a text
/// field's own text, and visually hidden text for screen readers.
async fn overflowing(c: &Client) -> Vec<String> {
    let script = r#"
        const path = (el) => {
            const parts = [];
            for (let e = el; e && e !== document.documentElement && parts.length < 5; e = e.parentElement) {
                let p = e.tagName.toLowerCase();
                if (e.dataset.testid) p += `[data-testid=${e.dataset.testid}]`;
                else if (e.id) p += `#${e.id}`;
                else if (e.classList.length) p += '.' + [...e.classList].filter(k => !k.startsWith('svelte-')).join('.');
                parts.unshift(p);
            }
            return parts.join(' > ');
        };
        const bad = [];
        for (const el of [document.documentElement, ...document.body.querySelectorAll('*'), document.body]) {
            if (el.dataset && el.dataset.testid === 'grid-scroller') continue;
            if (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA') continue;
            const cs = getComputedStyle(el);
            if (cs.display === 'inline' || cs.display === 'contents' || cs.display === 'none') continue;
            if (cs.textOverflow === 'ellipsis' && cs.overflowX === 'hidden') continue;
            if (cs.position === 'absolute' && cs.clip !== 'auto' && el.clientWidth <= 1) continue;
            if (el.scrollWidth > el.clientWidth + 1) bad.push(`${path(el)}: scrollWidth ${el.scrollWidth} > clientWidth ${el.clientWidth}`);
        }
        return bad;"#;
    eval(c, script, vec![]).await
}

/// axe-core's source, installed by `npm ci` in `ui/` (a pinned devDependency).
pub(super) fn axe_source() -> String {
    let path = root().join("ui/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} ({e}): run `npm ci` in ui/", path.display()))
}

/// Runs axe-core on the page; the serious and critical violations, one line each (rule id,
/// help, target selectors).
async fn axe_serious(c: &Client, axe: &str) -> Vec<String> {
    let loaded: bool = eval(c, "return typeof window.axe === 'object'", vec![]).await;
    if !loaded {
        c.execute(axe, vec![]).await.expect("inject axe-core");
        let loaded: bool = eval(c, "return typeof window.axe === 'object'", vec![]).await;
        assert!(loaded, "axe-core did not load into the window");
    }
    let script = r#"
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']}).then(
            (r) => done(r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map((n) => n.target.join(' ') + (n.any.concat(n.all, n.none)[0] ? ` (${n.any.concat(n.all, n.none)[0].message})` : ''))}))),
            (e) => done({error: String(e)}));"#;
    let v = c.execute_async(script, vec![]).await.expect("axe.run");
    if let Some(err) = v.get("error") {
        panic!("axe.run failed: {err}");
    }
    let list: Vec<Value> = serde_json::from_value(v).expect("axe's violations");
    list.iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .map(|v| {
            format!(
                "{} ({}): {} — {}",
                v["id"].as_str().unwrap_or(""),
                v["impact"].as_str().unwrap_or(""),
                v["help"].as_str().unwrap_or(""),
                v["targets"]
                    .as_array()
                    .map(|t| t
                        .iter()
                        .take(6)
                        .filter_map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join(" | "))
                    .unwrap_or_default()
            )
        })
        .collect()
}

/// Switches the page to its dark colours (`on`) or back: every `prefers-color-scheme: dark`
/// rule of the page's style sheets, copied out of its media query to the end of the last sheet. The
/// window follows the OS, which under Xvfb is light.
async fn dark(c: &Client, on: bool) {
    // Through the CSSOM: the app's content security policy refuses a new <style> element.
    let script = r#"
        const sheet = [...document.styleSheets].pop();
        const added = window.__dscDark || 0;
        for (let i = 0; i < added; i++) sheet.deleteRule(sheet.cssRules.length - 1);
        window.__dscDark = 0;
        if (!arguments[0]) return [0];
        const rules = [':root { color-scheme: dark; }'];
        const walk = (list) => { for (const r of list) {
            if (r instanceof CSSMediaRule) {
                if (/prefers-color-scheme:\s*dark/.test(r.conditionText || r.media.mediaText)) rules.push(...[...r.cssRules].map((x) => x.cssText));
                else walk(r.cssRules);
            }
        } };
        for (const s of document.styleSheets) { try { walk(s.cssRules); } catch (e) {} }
        for (const r of rules) sheet.insertRule(r, sheet.cssRules.length);
        window.__dscDark = rules.length;
        return [rules.length - 1, getComputedStyle(document.documentElement).getPropertyValue('--bg').trim()];"#;
    let v: Value = eval(c, script, vec![json!(on)]).await;
    if on {
        assert!(
            v[0].as_u64() > Some(0) && v[1] != json!("#ffffff"),
            "the dark colours did not apply: {v}"
        );
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
}

/// The findings of one screen at every size, in both colour schemes.
pub(super) async fn check_screen(c: &Client, axe: &str, name: &str, problems: &mut Vec<String>) {
    for (w, h) in SIZES {
        resize(c, w, h).await;
        let file = name
            .to_lowercase()
            .replace(|ch: char| !ch.is_ascii_alphanumeric(), "-");
        screenshot_tmp(c, &format!("screens-{file}-{w}x{h}")).await;
        for line in overflowing(c).await {
            problems.push(format!("{name} at {w}×{h}: overflow: {line}"));
        }
        if (w, h) == SIZES[0] {
            for line in axe_serious(c, axe).await {
                problems.push(format!("{name} (light): axe: {line}"));
            }
            dark(c, true).await;
            screenshot_tmp(c, &format!("screens-{file}-dark")).await;
            for line in axe_serious(c, axe).await {
                problems.push(format!("{name} (dark): axe: {line}"));
            }
            dark(c, false).await;
        }
    }
    eprintln!("checked {name}");
}

/// Saves a screenshot per size into `docs/screenshots/NAME-WxH.png`, then returns to the
/// smallest size.
pub(super) async fn screenshots_at_sizes(c: &Client, name: &str) {
    for (w, h) in SIZES {
        resize(c, w, h).await;
        screenshot(c, &format!("{name}-{w}x{h}")).await;
    }
    resize(c, SIZES[0].0, SIZES[0].1).await;
}

/// Tabs through the screen from its start until the focus comes round again: every control the
/// keyboard reaches shows its focus (an outline or a box shadow), and the keyboard reaches each
/// of `must_reach` (data-testid values, separated by spaces). `screen` names the screen in the problems and in the
/// pictures of the focus on `pictured` (under `/tmp`). Returns the problems.
async fn tab_through(c: &Client, screen: &str, must_reach: &str, pictured: &[&str]) -> Vec<String> {
    c.execute(
        "document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);",
        vec![],
    )
    .await
    .unwrap();
    let probe = r#"
        const el = document.activeElement;
        if (!el || el === document.body) return null;
        const cs = getComputedStyle(el);
        const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 1;
        const shadow = cs.boxShadow && cs.boxShadow !== 'none';
        const name = el.tagName.toLowerCase() + (el.dataset.testid ? `[data-testid=${el.dataset.testid}]` : '') + ` "${(el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 30)}"`;
        const again = el.hasAttribute('data-tab-seen');
        el.setAttribute('data-tab-seen', '');
        return {name, again, visible: outline || shadow, style: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}; ${cs.boxShadow}`};"#;
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    let body = wait_css(c, "body").await;
    body.send_keys("\u{E004}").await.expect("Tab");
    for _ in 0..90 {
        tokio::time::sleep(Duration::from_millis(80)).await;
        let v = c.execute(probe, vec![]).await.expect("focus probe");
        if !v.is_null() {
            let name = v["name"].as_str().unwrap_or("").to_string();
            if v["again"] == json!(true) {
                break;
            }
            if v["visible"] != json!(true) {
                problems.push(format!(
                    "{screen}: no visible focus on {name}: {}",
                    v["style"].as_str().unwrap_or("")
                ));
            }
            // Pictures of the ring on a row and on a filled button, to look at.
            for shot in pictured {
                if name.contains(&format!("data-testid={shot}]")) {
                    screenshot_tmp(c, &format!("screens-focus-{shot}")).await;
                }
            }
            seen.push(name);
        }
        c.active_element()
            .await
            .expect("the focused element")
            .send_keys("\u{E004}")
            .await
            .expect("Tab");
    }
    c.execute(
        "document.querySelectorAll('[data-tab-seen]').forEach((e) => e.removeAttribute('data-tab-seen'))",
        vec![],
    )
    .await
    .unwrap();
    eprintln!("{screen}: Tab reached {seen:#?}");
    for want in must_reach.split_whitespace() {
        if !seen
            .iter()
            .any(|s| s.contains(&format!("data-testid={want}]")))
        {
            problems.push(format!("{screen}: Tab never reached [data-testid={want}]"));
        }
    }
    problems
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, tauri-driver and a Secret Service: run scripts/test.sh"]
async fn every_screen_fits_three_sizes_passes_axe_and_shows_focus() {
    let _one = one_session().await;
    let home = Home::new();
    let driver = Driver::start(&home);
    let axe = &axe_source();
    // What both sessions found, reported together at the end.
    let found = &std::sync::Mutex::new(Vec::new());
    session(&driver, &["--demo"], |c| async move {
        let mut problems = Vec::new();
        resize(&c, 1024, 768).await;

        // Subscribers, a row's panel open.
        click(&c, "[data-testid=subscriber-row] td:nth-child(2)").await;
        wait_css(&c, "[data-testid=subscriber-detail]").await;
        wait_text(&c, "[data-testid=connection]", "connected").await;
        check_screen(&c, axe, "Subscribers", &mut problems).await;
        screenshots_at_sizes(&c, "subscribers").await;
        let reach = "profile-switcher help nav-subscribers nav-profiles refresh subscriber-row find-mismatch copy-id";
        let pictured = ["subscriber-row", "find-mismatch"];
        problems.extend(tab_through(&c, "Subscribers", reach, &pictured).await);

        // Runs: the wizard after a find.
        click(&c, "[data-testid=find-mismatch]").await;
        wait_css(&c, "[data-testid=wizard]").await;
        wait_attr(&c, "[data-testid=step-report]", "data-state", "done", 120).await;
        check_screen(&c, axe, "Runs (wizard)", &mut problems).await;
        // Its resync confirmation, then Cancel.
        click(&c, "[data-testid=resync]").await;
        wait_css(&c, "[data-testid=resync-dialog-confirm]:enabled").await;
        check_screen(&c, axe, "Runs (resync confirmation)", &mut problems).await;
        click(&c, "[data-testid=resync-dialog-cancel]").await;
        // The deletion's confirmation, then Cancel.
        click(&c, "[data-testid=wizard] [data-testid=delete-logs]").await;
        wait_css(&c, "[data-testid=delete-logs-dialog] [data-testid=delete-counts]").await;
        check_screen(&c, axe, "Runs (delete confirmation)", &mut problems).await;
        click(&c, "[data-testid=delete-logs-dialog-cancel]").await;
        // The subscriber again, its statuses now those of a finished find.
        click(&c, "[data-testid=nav-subscribers]").await;
        click(&c, "[data-testid=subscriber-row] td:nth-child(2)").await;
        wait_css(&c, "[data-testid=subscriber-detail]").await;
        wait_css(&c, "[data-testid=resync-status] [data-raw^=FIND_MISMATCH]").await;
        check_screen(&c, axe, "Subscribers after a find", &mut problems).await;
        click(&c, "[data-testid=nav-runs]").await;
        wait_css(&c, "[data-testid=wizard]").await;

        // Reports: the find's report in the viewer, then its row panel.
        click(&c, "[data-testid=open-run-report]").await;
        wait_css(&c, "[data-testid=grid-row][data-index]").await;
        check_screen(&c, axe, "Report viewer", &mut problems).await;
        click(&c, "[data-testid=columns-button]").await;
        wait_css(&c, "[data-testid=column-picker]").await;
        check_screen(&c, axe, "Report viewer (columns menu)", &mut problems).await;
        click(&c, "[data-testid=columns-button]").await;
        click(&c, "[data-testid=grid-row][data-index] [role=gridcell]").await;
        wait_css(&c, "[data-testid=row-panel] [data-testid=field-recordId]").await;
        check_screen(&c, axe, "Report viewer with the row panel", &mut problems).await;
        screenshots_at_sizes(&c, "report-viewer").await;
        let reach = "viewer-back search export columns-button grid-scroller copy-csv compare-record";
        let pictured = ["grid-scroller", "search"];
        problems.extend(tab_through(&c, "Report viewer", reach, &pictured).await);

        // The library, Operations, Profiles with the form open, the `?` list: (clicks, what
        // shows that the screen is there, name).
        let visits: [(&[&str], &str, &str); 4] = [
            (&["viewer-back"], "[data-testid=library-row]", "Library"),
            (
                &["nav-operations"],
                "[data-testid=ops-total], [data-testid=empty]",
                "Operations",
            ),
            (
                &["nav-profiles", "new-profile"],
                "[data-testid=profile-form]",
                "Profiles (form)",
            ),
            (&["help"], "[data-testid=shortcuts]", "Shortcuts (?)"),
        ];
        for (clicks, shown, name) in visits {
            for testid in clicks {
                click(&c, &format!("[data-testid={testid}]")).await;
            }
            wait_css(&c, shown).await;
            check_screen(&c, axe, name, &mut problems).await;
        }
        // Getting started, from the `?` list.
        click(&c, "[data-testid=shortcuts-guide]").await;
        if c.find(Locator::Css("[data-testid=discard-confirm]"))
            .await
            .is_ok()
        {
            click(&c, "[data-testid=discard-confirm]").await;
        }
        wait_css(&c, "[data-testid=guide]").await;
        check_screen(&c, axe, "Getting started", &mut problems).await;
        found.lock().unwrap().extend(problems);
    })
    .await;

    // The first run: no connection yet.
    let home = Home::new();
    let driver = Driver::start(&home);
    session(&driver, &[], |c| async move {
        let mut problems = Vec::new();
        wait_css(&c, "[data-testid=welcome]").await;
        check_screen(&c, axe, "Welcome", &mut problems).await;
        found.lock().unwrap().extend(problems);
    })
    .await;
    let problems = found.lock().unwrap();
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
