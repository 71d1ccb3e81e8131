// Puts text on the clipboard: the async Clipboard API, or a hidden text area and `copy` where
// the webview refuses it.

export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
}

/**
 * Puts text that is still being prepared on the clipboard. Called at once in the key or click
 * handler: the webview allows writing only while the user's gesture is fresh, and a `ClipboardItem`
 * holding a promise keeps that permission while the rows are fetched. Rejects when `text` does.
 */
export async function copyWhenReady(text: Promise<string>): Promise<void> {
  if (typeof ClipboardItem !== "undefined" && navigator.clipboard?.write) {
    try {
      const blob = text.then((t) => new Blob([t], { type: "text/plain" }));
      await navigator.clipboard.write([new ClipboardItem({ "text/plain": blob })]);
      return;
    } catch {
      /* not supported here: the plain way below */
    }
  }
  await copyText(await text);
}
