---@brief
---
--- accellium: OpenACC pragma suggestions as quick fixes on C/C++ `for` loops.
---
--- Install the Python package (`pip install accellium`, or `pip install -e .` in a checkout),
--- so that `accellium` is on `$PATH`, then put this folder (`editors/nvim`) on the runtimepath
--- and enable the config:
---
--- ```lua
--- vim.opt.runtimepath:append('/path/to/accellium/editors/nvim')
--- vim.lsp.enable('accellium')
--- ```
---
--- Settings (all optional; they are sent as `initializationOptions` and answered to
--- `workspace/configuration` / `workspace/didChangeConfiguration` under the `accellium` section):
---   backendUrl     string  URL of an `accellium serve` backend; '' = embedded engine in-process
---   engine         string  embedded engine: 'auto' | 'analysis' | 'retrieval' | 'context' | 'const'
---   timeoutMs      integer backend request timeout, ms (50..600000)
---   adapter        string  LoRA adapter name on the backend; '' = the backend's default
---   maxExamples    integer workspace style examples sent per request (0..8)
---   indexWorkspace boolean scan the files under the root for existing `#pragma acc` loops
---   logFile        string  also log to this file (a regular file; no document text); '' = none
---   backendToken   string  bearer token for a backend started with one; '' = none
---   logDocumentText boolean let the log file hold document text (debugging only)
---   includePaths   list    more folders for quoted includes (absolute, or relative to the root)
---   offloadProgram list    opt-in: ALL the program's source files (globs relative to the root)
---                          for "Offload this function"; {} = the document alone
---   defines        list    the build's macros, as gcc -D: 'NAME', 'NAME=VALUE' (after the -D/-U
---                          of the document's compile_commands.json entry, when it has one)
---   undefines      list    names the build leaves undefined, as gcc -U
---   definesComplete boolean defines/undefines are all the build's (a name left out: undefined)
---
--- Keep these in your own config: a project-local `.nvim.lua` only runs with 'exrc' set, after
--- `vim.secure` asked you to trust it, and should not be trusted to pick `cmd` or `logFile`.
---
--- Override any of them with `vim.lsp.config('accellium', { settings = { accellium = {...} } })`.
--- The server also sends `accellium/status` notifications ({engine, backend}); the handler below
--- keeps the latest one in `vim.g.accellium_status` for a statusline.

---@type vim.lsp.Config
return {
  cmd = { 'accellium', 'lsp' },
  filetypes = { 'c', 'cpp', 'cuda' },
  root_markers = {
    'compile_commands.json',
    'compile_flags.txt',
    '.clangd',
    'CMakeLists.txt',
    'Makefile',
    '.git',
  },
  settings = {
    accellium = {
      backendUrl = '',
      engine = 'auto',
      timeoutMs = 2000,
      adapter = '',
      maxExamples = 8,
      indexWorkspace = true,
      logFile = '',
      backendToken = '',
      logDocumentText = false,
      includePaths = {},
      offloadProgram = {},
      defines = {},
      undefines = {},
      definesComplete = false,
    },
  },
  ---@param params lsp.InitializeParams
  ---@param config vim.lsp.ClientConfig
  before_init = function(params, config)
    -- The server reads its settings from initializationOptions at start-up (flat object).
    local s = config.settings and config.settings.accellium
    if s and params.initializationOptions == nil then
      params.initializationOptions = s
    end
  end,
  handlers = {
    ---@param result {engine: string?, backend: string?}
    ['accellium/status'] = function(_, result)
      if type(result) == 'table' then
        vim.g.accellium_status = result
        vim.api.nvim_exec_autocmds('User', { pattern = 'AccelliumStatus', modeline = false })
      end
    end,
  },
}
