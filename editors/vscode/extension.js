// accellium VS Code extension: starts the accellium language server (`<python> -m accellium.lsp`, stdio)
// for C, C++ and CUDA files and shows the server's engine/backend state in the status bar.
// Plain CommonJS, no build step; vscode-languageclient is the only runtime dependency.
'use strict';

const os = require('os');
const path = require('path');
const vscode = require('vscode');
const { LanguageClient, State } = require('vscode-languageclient/node');

const ID = 'accellium';
const SECTION = 'accellium';
// Settings the server reads (initializationOptions, workspace/configuration and
// workspace/didChangeConfiguration).
const SERVER_SETTINGS = [
  'backendUrl', 'engine', 'timeoutMs', 'adapter', 'maxExamples', 'indexWorkspace', 'logFile',
  'backendToken', 'logDocumentText', 'includePaths', 'offloadProgram', 'defines', 'undefines',
  'definesComplete',
];
// Settings that choose a program to run, a file to write, where the code (and the token) is
// sent, or which folders outside the workspace are read.  In a workspace that is not trusted (Restricted Mode) only the user's own values count:
// package.json lists them in capabilities.untrustedWorkspaces.restrictedConfigurations, and the
// extension applies the same rule itself, whatever the VS Code version does with that list.
const RESTRICTED = [
  'pythonPath', 'logFile', 'backendUrl', 'backendToken', 'logDocumentText', 'includePaths',
];
const LANGUAGES = ['c', 'cpp', 'cuda-cpp'];

let client;
let statusItem;
let output;
let lastStatus = {};
const reportedIgnored = new Set();

// The value of accellium.<key>, from trusted sources only when the workspace is not trusted.
function setting(key) {
  const cfg = vscode.workspace.getConfiguration(SECTION);
  if (vscode.workspace.isTrusted || !RESTRICTED.includes(key)) return cfg.get(key);
  const info = cfg.inspect(key) || {};
  const fromWorkspace = [info.workspaceValue, info.workspaceFolderValue,
    info.workspaceLanguageValue, info.workspaceFolderLanguageValue].some((v) => v !== undefined);
  if (fromWorkspace && !reportedIgnored.has(key) && output) {
    reportedIgnored.add(key);
    output.appendLine(`accellium: this workspace is not trusted: its value of "${SECTION}.${key}" ` +
      'is ignored (Restricted Mode); the user setting applies.');
  }
  return info.globalValue !== undefined ? info.globalValue : info.defaultValue;
}

function resolvePython() {
  let py = (setting('pythonPath') || '').trim();
  if (!py) return process.platform === 'win32' ? 'python' : 'python3';
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  if (folder) py = py.replace(/\$\{workspaceFolder\}/g, folder.uri.fsPath);
  if (py === '~' || py.startsWith('~/')) py = path.join(os.homedir(), py.slice(1));
  return py;
}

function serverSettings() {
  const out = {};
  for (const key of SERVER_SETTINGS) out[key] = setting(key);
  return out;
}

function renderStatus(state) {
  if (!statusItem) return;
  const engine = lastStatus.engine;
  const backend = lastStatus.backend;
  let text;
  let tooltip;
  statusItem.backgroundColor = undefined;
  if (state === State.Starting) {
    text = '$(sync~spin) acc: starting';
    tooltip = 'accellium language server is starting';
  } else if (state === State.Stopped) {
    text = '$(error) acc: stopped';
    tooltip = 'accellium language server is not running (click for its output)';
    statusItem.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
  } else if (engine || backend) {
    text = `$(rocket) acc: ${engine || '?'} · ${backend || '?'}`;
    tooltip = `accellium: engine ${engine || 'unknown'}, backend ${backend || 'unknown'}` +
      (lastStatus.url ? ` (${lastStatus.url})` : '') +
      (lastStatus.adapter ? `, adapter ${lastStatus.adapter}` : '') +
      (lastStatus.message ? `\n${lastStatus.message}` : '');
    if (backend && !['embedded', 'connected'].includes(backend)) {
      // Configured backend unreachable / timing out: suggestions come from the embedded engine.
      statusItem.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    }
  } else {
    text = '$(rocket) acc: running';
    tooltip = 'accellium language server is running';
  }
  statusItem.text = text;
  statusItem.tooltip = tooltip + '\nClick to show the server output.';
  statusItem.show();
}

async function startClient(context) {
  const python = resolvePython();
  const serverOptions = {
    command: python,
    args: ['-m', 'accellium.lsp'],
    // The extension's folder, not the workspace's: nothing of a cloned repository on sys.path.
    options: { cwd: context.extensionPath, env: process.env },
    // transport left unset on purpose: TransportKind.stdio would append `--stdio` to args.
  };
  const clientOptions = {
    documentSelector: LANGUAGES.map((language) => ({ scheme: 'file', language })).concat(
      LANGUAGES.map((language) => ({ scheme: 'untitled', language }))),
    initializationOptions: serverSettings(),
    // No `synchronize.configurationSection`: it would send the section as VS Code has it.  The
    // server's workspace/configuration requests and the didChangeConfiguration notifications
    // below carry serverSettings(), which honours workspace trust.
    middleware: {
      workspace: {
        configuration: async (params, token, next) => {
          const res = await next(params, token);
          return params.items.map((item, i) => (item.section === SECTION ? serverSettings()
            : (Array.isArray(res) ? res[i] : null)));
        },
      },
    },
    outputChannel: output,
    traceOutputChannel: output,
  };
  client = new LanguageClient(ID, 'accellium', serverOptions, clientOptions);
  const own = client;  // a restarted client must not paint over its successor's state
  client.onDidChangeState((e) => {
    if (client === own) renderStatus(e.newState);
  });
  // Custom notification, documented in editors/README.md: {engine, backend, url?, adapter?,
  // message?}.  Registered before start(): the server sends the first one on `initialized`.
  client.onNotification('accellium/status', (params) => {
    if (client !== own) return;
    lastStatus = params && typeof params === 'object' ? params : {};
    renderStatus(own.state);
  });
  renderStatus(State.Starting);
  try {
    await client.start();
  } catch (err) {
    renderStatus(State.Stopped);
    const msg = `accellium: could not start the language server with "${python} -m accellium.lsp": ` +
      `${err && err.message ? err.message : err}. Set "accellium.pythonPath" to a Python ` +
      'that has accellium installed.';
    output.appendLine(msg);
    vscode.window.showErrorMessage(msg, 'Open Settings').then((pick) => {
      if (pick) vscode.commands.executeCommand('workbench.action.openSettings', 'accellium.pythonPath');
    });
    return;
  }
  renderStatus(client.state);
}

async function stopClient() {
  if (!client) return;
  const c = client;
  client = undefined;
  try {
    if (c.state !== State.Stopped) await c.stop();
  } catch (_) {
    // already dead
  }
}

async function restart(context) {
  await stopClient();
  lastStatus = {};
  await startClient(context);
}

async function activate(context) {
  output = vscode.window.createOutputChannel('accellium');
  statusItem = vscode.window.createStatusBarItem('accellium.status', vscode.StatusBarAlignment.Right, 100);
  statusItem.name = 'accellium';
  statusItem.command = 'accellium.showOutput';
  context.subscriptions.push(output, statusItem);

  context.subscriptions.push(
    vscode.commands.registerCommand('accellium.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('accellium.restartServer', () => restart(context)),
    // The server's workspace/executeCommand `accellium.annotateFile` (registered by the client
    // from executeCommandProvider) takes the document URI; the palette command passes it.
    vscode.commands.registerCommand('accellium.annotateCurrentFile', async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor || !client || client.state !== State.Running) {
        vscode.window.showWarningMessage('accellium: open a C/C++ file with the server running first.');
        return undefined;
      }
      return vscode.commands.executeCommand('accellium.annotateFile', editor.document.uri.toString());
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      // A different interpreter needs a new process; other settings travel by
      // workspace/didChangeConfiguration.
      if (e.affectsConfiguration('accellium.pythonPath')) {
        await restart(context);
      } else if (e.affectsConfiguration(SECTION) && client && client.state === State.Running) {
        client.sendNotification('workspace/didChangeConfiguration',
          { settings: { [SECTION]: serverSettings() } });
      }
    }),
    // Trusting the workspace lets its own settings apply: start again with them.
    vscode.workspace.onDidGrantWorkspaceTrust(() => restart(context)),
  );
  await startClient(context);
}

function deactivate() {
  return stopClient();
}

module.exports = { activate, deactivate };
