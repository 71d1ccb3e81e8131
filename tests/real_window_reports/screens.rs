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

/// [`check_screen`], then the window back at the size it had (for a test whose pictures go into
/// the README at the app's own size).
pub(super) async fn check_screen_keeping_size(
    c: &Client,
    axe: &str,
    name: &str,
    problems: &mut Vec<String>,
) {
    let (w, h) = c.get_window_size().await.expect("the window size");
    check_screen(c, axe, name, problems).await;
    c.set_window_size(w as u32, h as u32)
        .await
        .expect("set the window size");
    tokio::time::sleep(Duration::from_millis(300)).await;
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
pub(super) async fn tab_through(
    c: &Client,
    screen: &str,
    must_reach: &str,
    pictured: &[&str],
) -> Vec<String> {
    c.execute(
        "document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);",
        vec![],
    )
    .await
    .unwrap();
    tab_round(c, screen, None, must_reach, pictured).await
}

/// Tabs round an open modal dialog (`modal`, a CSS selector) from the control it focused itself:
/// the focus never leaves the dialog (its focus trap), every control shows its focus, and the
/// keyboard reaches each of `must_reach` (its confirm and cancel buttons). Returns the problems.
pub(super) async fn tab_through_modal(
    c: &Client,
    screen: &str,
    modal: &str,
    must_reach: &str,
) -> Vec<String> {
    let started: bool = eval(
        c,
        "return !!document.activeElement && !!document.activeElement.closest(arguments[0])",
        vec![json!(modal)],
    )
    .await;
    let mut problems = Vec::new();
    if !started {
        problems.push(format!(
            "{screen}: the dialog {modal} did not take the focus when it opened"
        ));
    }
    problems.extend(tab_round(c, screen, Some(modal), must_reach, &[]).await);
    problems
}

/// Presses Tab from the focused element (or the page's start) until the focus comes round to an
/// element Tab brought it to before; see [`tab_through`]. With `within` (a dialog), every focus
/// outside that element (or on nothing) is a problem, and the control the dialog focused itself
/// counts as reached but its ring is not asked for (the dialog opened on a mouse click, and a
/// browser shows no ring after one; Tab back onto it must show one).
async fn tab_round(
    c: &Client,
    screen: &str,
    within: Option<&str>,
    must_reach: &str,
    pictured: &[&str],
) -> Vec<String> {
    // `same`: Tab moved inside the element (the fields of a date or time input), not to another.
    // `arguments[1]`: false for the dialog's own first focus, which Tab has not reached yet.
    let probe = r#"
        const el = document.activeElement;
        const [within, byTab] = arguments;
        if (!el || el === document.body) {
            window.__dscTabLast = null;
            return null;
        }
        const same = window.__dscTabLast === el;
        window.__dscTabLast = el;
        const cs = getComputedStyle(el);
        const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 1;
        const shadow = cs.boxShadow && cs.boxShadow !== 'none';
        // A date or time input: WebKit focuses one of its fields (day, month…), which it
        // highlights, and the input itself matches no :focus-visible rule.
        const segmented = el.tagName === 'INPUT' && ['date', 'time', 'datetime-local', 'month', 'week'].includes(el.type);
        const name = el.tagName.toLowerCase() + (el.dataset.testid ? `[data-testid=${el.dataset.testid}]` : '') + ` "${(el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 30)}"`;
        const again = !same && el.hasAttribute('data-tab-seen');
        if (byTab) el.setAttribute('data-tab-seen', '');
        return {name, again, same, inside: !within || !!el.closest(within), visible: outline || shadow || segmented, style: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}; ${cs.boxShadow}`};"#;
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let tab = || {
        KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: '\u{E004}' })
            .then(KeyAction::Up { value: '\u{E004}' })
    };
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    c.execute("window.__dscTabLast = null;", vec![])
        .await
        .unwrap();
    // Tabs that stayed on one element: a few are the fields of a date input; many, the one
    // control there is.
    let mut stayed = 0;
    for i in 0..90 {
        let by_tab = within.is_none() || i > 0;
        let v = c
            .execute(probe, vec![json!(within), json!(by_tab)])
            .await
            .expect("focus probe");
        if v.is_null() {
            if let (Some(css), false) = (within, seen.is_empty()) {
                problems.push(format!("{screen}: Tab left {css} for the page itself"));
                break;
            }
        } else if v["same"] == json!(true) {
            stayed += 1;
            if stayed > 6 {
                break;
            }
        } else {
            stayed = 0;
            let name = v["name"].as_str().unwrap_or("").to_string();
            if v["again"] == json!(true) {
                break;
            }
            if v["inside"] != json!(true) {
                problems.push(format!(
                    "{screen}: Tab left {} for {name}",
                    within.unwrap_or_default()
                ));
            }
            if by_tab && v["visible"] != json!(true) {
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
        // Tab as a keyboard presses it, wherever the focus is (WebDriver's "send keys" to a
        // date input would set its value instead).
        c.perform_actions(tab()).await.expect("Tab");
        tokio::time::sleep(Duration::from_millis(80)).await;
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

/// Two small reports of one subscriber in the demo publisher's library, the second a part of the
/// first, to compare; and two saved (not demo) connections to a `dam-sim` of their own, which
/// Profiles lists with their Edit and Delete buttons (the demo's own connections have none) and
/// Fleet lists beside the demo publisher. The simulator runs until the returned value is dropped.
fn seed_library_and_connections(home: &Home) -> Sim {
    let lib = super::demo_library(home);
    let a = lib.join("compare-a.csv");
    super::write_id_report(&a);
    let text = std::fs::read_to_string(&a).unwrap();
    let part: Vec<&str> = text.lines().take(201).collect();
    std::fs::write(lib.join("compare-b.csv"), part.join("\n") + "\n").unwrap();
    let sim = Sim::start(&["demo", "--assets", "10"]);
    super::install_profiles(home, &sim);
    sim
}

/// Clicks the button of `css` whose words are `words` (for buttons without a test id).
async fn click_button(c: &Client, css: &str, words: &str) {
    let found = c
        .execute(
            "const b = [...document.querySelectorAll(arguments[0] + ' button')].find((b) => b.textContent.trim() === arguments[1]); if (b) b.click(); return !!b;",
            vec![json!(css), json!(words)],
        )
        .await
        .expect("click a button");
    assert_eq!(found, json!(true), "no {words:?} button in {css}");
}

/// Waits until nothing matches `css`.
async fn wait_gone(c: &Client, css: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while c.find(Locator::Css(css)).await.is_ok() {
        assert!(Instant::now() < deadline, "{css} is still there");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Xvfb, tauri-driver and a Secret Service: run scripts/test.sh"]
async fn every_screen_fits_three_sizes_passes_axe_and_shows_focus() {
    let _one = one_session().await;
    let home = Home::new();
    let _sim = seed_library_and_connections(&home);
    let driver = Driver::start(&home);
    let axe = &axe_source();
    // What both sessions found, reported together at the end.
    let found = &std::sync::Mutex::new(Vec::new());
    session(&driver, &["--demo"], |c| async move {
        let mut problems = Vec::new();
        let started = Instant::now();
        let lap = |what: &str| eprintln!("{what}: at {:.1} s", started.elapsed().as_secs_f64());
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
        lap("Subscribers");

        // Runs: the wizard after a find (confirmed: it keeps, then deletes the earlier logs).
        click(&c, "[data-testid=find-mismatch]").await;
        wait_css(&c, "[data-testid=find-dialog] [data-testid=find-counts]").await;
        check_screen(&c, axe, "Find confirmation", &mut problems).await;
        click(&c, "[data-testid=find-dialog-confirm]").await;
        wait_css(&c, "[data-testid=wizard]").await;
        wait_attr(&c, "[data-testid=step-report]", "data-state", "done", 120).await;
        check_screen(&c, axe, "Runs (wizard)", &mut problems).await;
        let reach = "nav-runs choose-subscriber clear-stale-logs start-find journey delete-logs open-run-report resync";
        problems.extend(tab_through(&c, "Runs", reach, &[]).await);
        // Its resync confirmation, then Cancel.
        click(&c, "[data-testid=resync]").await;
        wait_css(&c, "[data-testid=resync-dialog-confirm]:enabled").await;
        check_screen(&c, axe, "Runs (resync confirmation)", &mut problems).await;
        click(&c, "[data-testid=resync-dialog-cancel]").await;
        // The deletion's confirmation: the keyboard stays inside it; then Cancel.
        click(&c, "[data-testid=wizard] [data-testid=delete-logs]").await;
        wait_css(&c, "[data-testid=delete-logs-dialog] [data-testid=delete-counts]").await;
        check_screen(&c, axe, "Runs (delete confirmation)", &mut problems).await;
        let reach = "delete-logs-dialog-confirm delete-logs-dialog-cancel";
        problems.extend(
            tab_through_modal(&c, "Runs (delete confirmation)", "[data-testid=delete-logs-dialog]", reach)
                .await,
        );
        click(&c, "[data-testid=delete-logs-dialog-cancel]").await;
        wait_gone(&c, "[data-testid=delete-logs-dialog]").await;
        lap("Runs");
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
        // The export panel, then Close.
        click(&c, "[data-testid=export]").await;
        wait_css(&c, "[data-testid=export-panel] [data-testid=export-path]").await;
        check_screen(&c, axe, "Report viewer (export panel)", &mut problems).await;
        click_button(&c, "[data-testid=export-panel]", "Close").await;
        wait_gone(&c, "[data-testid=export-panel]").await;
        click(&c, "[data-testid=grid-row][data-index] [role=gridcell]").await;
        wait_css(&c, "[data-testid=row-panel] [data-testid=field-recordId]").await;
        check_screen(&c, axe, "Report viewer with the row panel", &mut problems).await;
        screenshots_at_sizes(&c, "report-viewer").await;
        let reach = "viewer-back back-to-run viewer-resync search export columns-button grid-scroller copy-csv compare-record";
        let pictured = ["grid-scroller", "search"];
        problems.extend(tab_through(&c, "Report viewer", reach, &pictured).await);
        // The record on both environments, beside the grid.
        click(&c, "[data-testid=compare-record]").await;
        wait_css(&c, "[data-testid=comparison] [data-testid=cmp-field]").await;
        check_screen(&c, axe, "Report viewer (record comparison)", &mut problems).await;
        lap("Report viewer");

        // The library, and two reports of one subscriber compared.
        click(&c, "[data-testid=viewer-back]").await;
        wait_css(&c, "[data-testid=library-row]").await;
        check_screen(&c, axe, "Library", &mut problems).await;
        let reach = "nav-reports compare-two open-csv pick open-report remove-report";
        // "Compare the two selected" is disabled (not in the Tab order) until two are picked.
        click(&c, "[data-testid=library-row][data-path$='compare-a.csv'] [data-testid=pick]").await;
        click(&c, "[data-testid=library-row][data-path$='compare-b.csv'] [data-testid=pick]").await;
        wait_css(&c, "[data-testid=compare-two]:enabled").await;
        problems.extend(tab_through(&c, "Library", reach, &[]).await);
        click(&c, "[data-testid=compare-two]").await;
        wait_css(&c, "[role=tablist][aria-label=Comparison] [data-testid=side-onlyA]").await;
        // "In both" has rows whichever of the two files is A (their order follows their times).
        click(&c, "[data-testid=side-both]").await;
        wait_css(&c, "[data-testid=grid-row][data-index]").await;
        check_screen(&c, axe, "Report comparison", &mut problems).await;
        lap("Library and comparison");

        // Operations.
        click(&c, "[data-testid=nav-operations]").await;
        wait_css(&c, "[data-testid=ops-total], [data-testid=empty]").await;
        check_screen(&c, axe, "Operations", &mut problems).await;
        let reach = "nav-operations env-publisher env-subscriber prefix status-FAILED";
        problems.extend(tab_through(&c, "Operations", reach, &[]).await);
        lap("Operations");

        // Fleet: the demo publisher and the saved one, each with its subscriber; then the demo
        // publisher's schedule form, and Cancel.
        click(&c, "[data-testid=nav-fleet]").await;
        wait_css(&c, "[data-testid=fleet-publisher][data-profile=demo-publisher] [data-testid=fleet-row]").await;
        check_screen(&c, axe, "Fleet", &mut problems).await;
        let reach = "nav-fleet stale-days fleet-refresh check-stale schedule-edit fleet-pick fleet-drift";
        problems.extend(tab_through(&c, "Fleet", reach, &[]).await);
        click(&c, "[data-testid=fleet-publisher][data-profile=demo-publisher] [data-testid=schedule-edit]").await;
        wait_css(&c, "[data-testid=schedule-form]").await;
        check_screen(&c, axe, "Fleet (schedule form)", &mut problems).await;
        click_button(&c, "[data-testid=schedule-form]", "Cancel").await;
        wait_gone(&c, "[data-testid=schedule-form]").await;
        lap("Fleet");

        // Journal: what this session did, then its export panel, and Close.
        click(&c, "[data-testid=nav-journal]").await;
        wait_css(&c, "[data-testid=journal-row]").await;
        let reach = "nav-journal journal-text journal-connection journal-outcome journal-since journal-until journal-export journal-action-find_triggered";
        problems.extend(tab_through(&c, "Journal", reach, &["journal-since"]).await);
        click(&c, "[data-testid=journal-export]").await;
        wait_css(&c, "[data-testid=journal-export-panel] [data-testid=journal-export-path]").await;
        check_screen(&c, axe, "Journal (export panel)", &mut problems).await;
        click_button(&c, "[data-testid=journal-export-panel]", "Close").await;
        wait_gone(&c, "[data-testid=journal-export-panel]").await;
        lap("Journal");

        // Profiles: the connection list, the saved connection's deletion asked (the keyboard
        // stays inside the question), then Cancel.
        click(&c, "[data-testid=nav-profiles]").await;
        wait_css(&c, "[data-testid=profiles-table] [data-testid=profile-row][data-name='Sim publisher']").await;
        check_screen(&c, axe, "Profiles", &mut problems).await;
        let reach = "nav-profiles new-profile import open-guide test edit duplicate delete";
        problems.extend(tab_through(&c, "Profiles", reach, &[]).await);
        click(&c, "[data-testid=profile-row][data-name='Sim subscriber environment'] [data-testid=delete]").await;
        wait_css(&c, "[data-testid=delete-profile]").await;
        check_screen(&c, axe, "Profiles (delete confirmation)", &mut problems).await;
        let reach = "delete-profile-confirm delete-profile-cancel";
        problems.extend(
            tab_through_modal(&c, "Profiles (delete confirmation)", "[data-testid=delete-profile]", reach).await,
        );
        click(&c, "[data-testid=delete-profile-cancel]").await;
        wait_gone(&c, "[data-testid=delete-profile]").await;
        wait_css(&c, "[data-testid=profile-row][data-name='Sim subscriber environment']").await;
        lap("Profiles");

        // Profiles with the form open, the `?` list: (clicks, what shows that the screen is
        // there, name).
        let visits: [(&[&str], &str, &str); 2] = [
            (
                &["new-profile"],
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
        lap("the rest");
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
