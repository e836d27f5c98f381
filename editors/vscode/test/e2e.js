// Drives a real VS Code (code-server in Debian's headless Chromium, via playwright-core):
// opens a C file, presses Ctrl+. on a loop, picks "Insert #pragma acc ...", saves with Ctrl+S
// and takes a screenshot.  Used by tests/test_editor_vscode.py, which starts code-server,
// installs the .vsix and checks the file on disk.  Prints one JSON object on stdout.
//
//   node e2e.js '{"url": ..., "file": "sum.c", "line": 2, "screenshot": ..., "profile": ...,
//                 "playwright": "<path to playwright-core>", "chromium": "/usr/bin/chromium"}'
// Optional: "action" (a regular expression for the action's title), "waitEdit" (ms to wait for
// the buffer to change before saving), "annotateFile"; "explain" (a text): no action to pick,
// the loop's no-pragma diagnostic with that text instead (see explain()).
'use strict';

const args = JSON.parse(process.argv[2]);
const { chromium } = require(args.playwright);
// The quick fix: "Insert `#pragma acc parallel loop ...`" (backticks optional).
const ACTION = args.action ? new RegExp(args.action) : /Insert `?#pragma acc/;
// Rows of the Quick Fix menu (the class names changed across VS Code versions).
const ROWS = '.action-widget .monaco-list-row.action, .action-widget .action-list-item';
const t0 = Date.now();
const result = { steps: [], titles: [], statusBar: [], error: null };
const step = (name) => result.steps.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${name}`);

// Quick Open (Ctrl+P) a workspace file and wait until its tab is the active one.  Wait for the
// row naming the file: the list first shows recently opened files, and Enter would open those.
async function openFile(page, name) {
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget input');
  await page.keyboard.type(name);
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: name }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab.active', { hasText: name }).first().waitFor();
}

// Ctrl+. until the server (still starting at first, its engine loading) offers the action;
// up to 150 s in all, each menu given 8 s to show (a loaded CI machine is slow); pick it,
// wait for its edit when asked, and save.
async function pickAndSave(page) {
  let picked = false;
  const until = Date.now() + 150000;
  for (let i = 0; Date.now() < until && !picked; i++) {
    const bar = await page.locator('.statusbar-item').allInnerTexts();
    if (bar.some((s) => s.includes('acc: stopped'))) {
      throw new Error('the language server stopped (status bar: acc: stopped)');
    }
    await page.keyboard.press('Control+Period');
    const item = page.locator(ROWS, { hasText: ACTION }).first();
    try {
      await item.waitFor({ state: 'visible', timeout: 8000 });
    } catch (_) {
      // Keep what was on screen instead (for the failure report).
      result.lastWidget = (await page.locator('.context-view, .action-widget, .monaco-editor-overlaymessage')
        .allInnerTexts()).map((s) => s.trim()).filter(Boolean);
      if (i === 2) await page.screenshot({ path: args.screenshot.replace(/\.png$/, '-try3.png') });
      await page.keyboard.press('Escape');
      continue;
    }
    result.titles = (await page.locator(ROWS).allInnerTexts())
      .map((s) => s.trim());
    await page.screenshot({ path: args.screenshot.replace(/\.png$/, '-menu.png') });
    await item.click();
    picked = true;
    step(`action picked (try ${i + 1})`);
  }
  if (!picked) throw new Error(`no code action matching ${ACTION} was offered in 150 s`);

  // An action resolved by the server (codeAction/resolve: the offload plan runs the engine
  // on every loop) edits the buffer when its answer arrives: wait for it before saving.
  if (args.waitEdit) {
    await page.waitForSelector('.tab.active.dirty', { timeout: args.waitEdit });
    step('edited');
  }
  await page.waitForTimeout(300);
  await page.keyboard.press('Control+S');
  step('saved');
}

// A loop that gets no pragma: Ctrl+. asks the server, whose answer (no pragma, and why) is an
// Information diagnostic on the `for` line (VS Code shows a disabled action only in menus of
// a more specific kind, not in the quick-fix menu).  Collects the menu Ctrl+. shows once the
// diagnostic is there ("titles", "lastWidget"), its hover ("hover") and the Problems panel
// ("problems"); the row with the text `args.explain` is waited for.
async function explain(page) {
  const until = Date.now() + 150000;
  while (Date.now() < until && await page.locator('.squiggly-info').count() === 0) {
    await page.keyboard.press('Control+Period');
    await page.waitForTimeout(2000);
    await page.keyboard.press('Escape');
  }
  await page.locator('.squiggly-info').first().hover({ force: true });  // under the text layer
  const hover = page.locator('.monaco-hover', { hasText: args.explain }).first();
  await hover.waitFor({ state: 'visible', timeout: 20000 });
  result.hover = (await hover.innerText()).replace(/\s+/g, ' ').trim();
  step('diagnostic hovered');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Period');
  await page.waitForTimeout(3000);
  result.titles = (await page.locator(ROWS).allInnerTexts()).map((s) => s.trim());
  result.lastWidget = (await page.locator('.context-view, .action-widget, .monaco-editor-overlaymessage')
    .allInnerTexts()).map((s) => s.trim()).filter(Boolean);
  await page.screenshot({ path: args.screenshot.replace(/\.png$/, '-menu.png') });
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Shift+M');
  const row = page.locator('.markers-panel .monaco-list-row', { hasText: args.explain });
  await row.first().waitFor({ timeout: 20000 });
  result.problems = (await page.locator('.markers-panel .monaco-list-row').allInnerTexts())
    .map((s) => s.replace(/\s+/g, ' ').trim());
  step('problems listed');
}

async function main() {
  const ctx = await chromium.launchPersistentContext(args.profile, {
    executablePath: args.chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  page.setDefaultTimeout(60000);
  try {
    await page.goto(args.url);
    await page.waitForSelector('.monaco-workbench');
    step('workbench loaded');

    // Open the file with Quick Open.
    await openFile(page, args.file);
    await page.waitForSelector('.editor-instance .monaco-editor .view-line');
    step('file opened');

    // Cursor onto the loop.
    await page.keyboard.press('Control+G');
    await page.waitForSelector('.quick-input-widget input');
    await page.keyboard.type(String(args.line));
    await page.keyboard.press('Enter');
    step(`cursor on line ${args.line}`);

    if (args.explain) {
      await explain(page);
    } else {
      await pickAndSave(page);
    }

    if (args.annotateFile) {
      // The palette command "accellium: Annotate All Loops in File" on a second file.
      await openFile(page, args.annotateFile);
      await page.keyboard.press('F1');
      await page.waitForSelector('.quick-input-widget input');
      await page.keyboard.type('accellium: Annotate All Loops in File');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Annotate All Loops' })
        .first().waitFor();
      await page.keyboard.press('Enter');
      await page.waitForSelector('.tab.active.dirty', { timeout: 20000 });
      await page.keyboard.press('Control+S');
      step('annotated and saved');
    }

    // The status-bar item: "acc: <engine> · <backend>" once the server reported its state.
    const deadline = Date.now() + 5000;
    do {
      result.statusBar = (await page.locator('.statusbar-item').allInnerTexts())
        .map((s) => s.replace(/\s+/g, ' ').trim()).filter((s) => s.includes('acc:'));
      if (result.statusBar.some((s) => !s.includes('starting'))) break;
      await page.waitForTimeout(200);
    } while (Date.now() < deadline);
    await page.waitForTimeout(500);  // let the save land before the screenshot
  } catch (err) {
    result.error = String(err && err.stack ? err.stack : err);
  } finally {
    try {
      await page.screenshot({ path: args.screenshot });
      step('screenshot');
    } catch (err) {
      result.error = (result.error || '') + `\nscreenshot failed: ${err}`;
    }
    await ctx.close();
  }
}

main().then(() => {
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(result.error ? 1 : 0);
}, (err) => {
  result.error = String(err && err.stack ? err.stack : err);
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(1);
});
