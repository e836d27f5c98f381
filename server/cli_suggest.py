"""``accellium suggest FILE`` — a pragma for each for-loop of a C/C++ file; ``accellium bench
loops`` — how long finding the loops of deep nests takes."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from accellium.server.annotate import (
    InputError,
    LoopSuggestion,
    annotate_source,
    apply_edits,
    check_writable,
    read_source,
    skip_reason,
    write_in_place,
)

log = logging.getLogger(__name__)

ENGINE_HELP = "engine name (auto, analysis, retrieval, const, context; hf/vllm need a model)"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("suggest", help="suggest a pragma for each for-loop of a C/C++ file",
                       description="Print each for-loop (path:line) with a suggested OpenACC "
                                   "pragma and short notes; --apply writes them into the file.")
    p.add_argument("file", help="C or C++ source file")
    p.add_argument("--line", type=int, help="only the loops containing this 1-based line")
    p.add_argument("--engine", default="auto", help=ENGINE_HELP)
    p.add_argument("--lang", choices=["c", "cpp"], help="override language detection")
    p.add_argument("--train", help="JSONL training pairs for retrieval/auto "
                                   "(default: $ACCELLIUM_TRAIN or ../shared/data/train.jsonl)")
    p.add_argument("--json", action="store_true", help="print a JSON list (DESIGN §4b)")
    p.add_argument("--apply", action="store_true", help="insert the pragmas into the file")
    p.add_argument("--replace", action="store_true",
                   help="with --apply, also replace existing pragmas that differ (with "
                        "--offload: re-plan a function that already has OpenACC lines)")
    p.add_argument("--offload", nargs="?", const="", default=None, metavar="FUNCTION",
                   help="offload a whole function (every function with loops when FUNCTION "
                        "is not given; with --line, the function there): one data region, "
                        "the loops' pragmas inside with present, updates for the host code "
                        "between them (docs/offload.md)")
    p.add_argument("-I", "--include-dir", action="append", default=[], metavar="DIR",
                   help="also look for the file's quoted includes (#include \"x.h\") in DIR, "
                        "and its <x.h> ones (as gcc -I does), and allow reading headers there "
                        "(repeatable; the file's own folder always is); their macros are "
                        "expanded in subscripts and array declarators")
    p.add_argument("-D", "--define", action="append", dest="defines", default=[],
                   type=lambda v: f"-D{v}", metavar="NAME[=VALUE]",
                   help="as gcc -D: NAME is a macro (1, or VALUE) before the first line; it "
                        "decides the headers' and the file's #ifdef/#if groups (repeatable)")
    p.add_argument("-U", "--undefine", action="append", dest="defines",
                   type=lambda v: f"-U{v}", metavar="NAME",
                   help="as gcc -U: NAME is not a macro before the first line (repeatable)")
    p.add_argument("--defines-complete", action="store_true",
                   help="the -D/-U given are all those of the build: a name nothing defines "
                        "is undefined in #if groups (without it such a group is undecided "
                        "and the macros it defines stay unknown)")
    p.add_argument("--compile-commands", metavar="PATH",
                   help="the build's compile_commands.json (or the folder holding it) to "
                        "take the file's -D/-U/-I from (default: the nearest one in the "
                        "file's folder or a folder above it up to the workspace folder, or "
                        "in a build/ folder there); -D/-U/-I given here come after its own")
    p.add_argument("--workspace", metavar="DIR",
                   help="the project's top folder, as the editor's workspace folder "
                        "(default: the current directory; the file's own folder when the file "
                        "is not inside it): compile_commands.json is looked for up to it and "
                        "its -I folders are read only inside it")
    p.add_argument("--no-compile-commands", action="store_true",
                   help="do not read a compile_commands.json")
    p.add_argument("--no-headers", action="store_true",
                   help="do not read the file's local headers (their macros stay unknown)")
    p.add_argument("--program", nargs="+", metavar="SOURCE",
                   help="with --offload: every other source file of the program (C or C++, "
                        "headers allowed): then every call of FILE's functions is seen "
                        "(parameters dead after the call, data regions placed at callers "
                        "in those files; --apply writes them too)")
    p.set_defaults(func=run_suggest)


class _Stdout:
    """Prints that survive a closed pipe (``accellium suggest f.c | head -1``): the rest of the
    output is dropped quietly and the command still finishes its work (``--apply``)."""

    def __init__(self) -> None:
        self.broken = False

    def __call__(self, text: str) -> None:
        if self.broken:
            return
        try:
            sys.stdout.write(text + "\n")
        except BrokenPipeError:
            self._drop()

    def flush(self) -> None:
        if not self.broken:
            try:
                sys.stdout.flush()
            except BrokenPipeError:
                self._drop()

    def _drop(self) -> None:
        self.broken = True
        try:  # Python's recipe: point stdout at /dev/null so the exit flush stays quiet
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass


def _fail(message: str, code: int = 2) -> int:
    print(f"accellium suggest: {message}", file=sys.stderr)
    return code


def _engine(args: argparse.Namespace):
    from accellium.server.defaults import engine_options
    from accellium.server.engines import EngineUnavailable, get_engine

    try:
        options = engine_options(args.engine, args.train)
    except (OSError, ValueError) as e:
        msg = e.strerror if isinstance(e, OSError) and e.strerror else str(e).splitlines()[0]
        return _fail(f"cannot use the training pairs: {msg}")
    try:
        return get_engine(args.engine, **options)
    except KeyError as e:
        return _fail(str(e.args[0]) if e.args else f"unknown engine '{args.engine}'")
    except (EngineUnavailable, OSError, ValueError) as e:
        return _fail(f"engine '{args.engine}' unavailable: {str(e).splitlines()[0]}", 3)


def _print_text(out: _Stdout, args: argparse.Namespace, results: list[LoopSuggestion]) -> None:
    if not results:
        where = f" at line {args.line}" if args.line else ""
        out(f"{args.file}: no for-loops found{where}")
    for r in results:
        head = f"{r.path}:{r.line}: "
        pad = " " * len(head)
        out(head + (r.pragma or "(no pragma advised)"))
        if r.existing and r.existing != r.pragma:
            out(pad + f"existing: {r.existing}")
        for n in r.notes:
            out(pad + f"- {n}")
        if r.pragma and not r.insertable:
            out(pad + f"- not insertable: {r.insert_problem}")


def _apply(args: argparse.Namespace, source: bytes, results: list[LoopSuggestion]) -> int:
    new, applied = apply_edits(source, results, replace=args.replace)
    if applied:
        try:
            write_in_place(args.file, source, new)
        except InputError as e:
            return _fail(str(e))
    done = {id(r) for r in applied}
    skipped = [r for r in results if id(r) not in done and r.changes_file]
    unplaceable = sum(1 for r in skipped if not r.insertable)
    why = f"; {unplaceable} loop(s) not insertable (see the notes)" if unplaceable else ""
    print(f"{args.file}: {len(applied)} pragma(s) written{why}", file=sys.stderr)
    for r in skipped:
        log.info("%s:%d: left as is: %s", r.path, r.line, skip_reason(r, args.replace))
    return 0


def _build_flags(args: argparse.Namespace):
    """The file's -D/-U/-I: its entry in the build's ``compile_commands.json``
    (:mod:`accellium.dataset.build_flags`, the editor's reading; the workspace folder is
    ``--workspace`` or the current directory, or the file's own folder when the file is not
    inside it), then the command line's -D/-U in their order (the last word for a name counts,
    as for gcc).  A database that cannot be read is a ``ValueError`` (exit 2) naming it."""
    from accellium.dataset.build_flags import DATABASE, BuildFlags, DatabaseError, flags_for
    from accellium.dataset.includes import within

    if args.no_compile_commands:
        return BuildFlags(tuple(args.defines), (), args.defines_complete)
    db = args.compile_commands
    if db is not None:
        if os.path.isdir(db):
            db = os.path.join(db, DATABASE)
        if not os.path.isfile(db):
            why = "not a file" if db == args.compile_commands else f"no {DATABASE} there"
            raise ValueError(f"--compile-commands {args.compile_commands}: {why}")
    if args.workspace is not None and not os.path.isdir(args.workspace):
        raise ValueError(f"--workspace {args.workspace}: not a folder")
    here = os.path.realpath(args.workspace if args.workspace is not None else os.getcwd())
    folder = os.path.dirname(os.path.realpath(args.file))
    root = here if within(folder, [here]) else folder
    try:
        flags = flags_for(args.file, [root], args.defines, args.defines_complete, db)
    except DatabaseError as e:
        raise ValueError(f"{e}; name another with --compile-commands, or read none with "
                         "--no-compile-commands") from None
    if flags.database is not None:
        log.info("%s: the -D/-U/-I of its entry in %s", args.file, flags.database)
    elif db is not None:
        print(f"accellium suggest: {args.file}: no entry in {db}; its -D/-U/-I not used",
              file=sys.stderr)
    return flags


def _headers(args: argparse.Namespace, source: bytes):
    """The macros of the file's local headers (docs: README, "Headers"), and a reader of the
    headers a ``--program`` file includes (path, text -> :class:`Included`), found as the
    file's are: their file-scope declarations are that unit's (C11 6.10.2p3).  A header of the file
    that is not read is a line on stderr (one not found only with ``-v``: many quoted
    includes are library headers found on the compiler's own path)."""
    from accellium.dataset.analysis.conditions import command_line, given_define
    from accellium.dataset.includes import read_includes
    from accellium.dataset.loops import detect_lang, normalize_lang

    for d in args.include_dir:
        if not os.path.isdir(d):
            raise ValueError(f"--include-dir {d}: not a folder")
    lang = normalize_lang(args.lang) if args.lang else detect_lang(args.file, source)
    for w in args.defines:
        if w.startswith("-D") and given_define(w[2:], lang) is None or w in ("-D", "-U"):
            raise ValueError(f"{w[:2]} {w[2:]}: not NAME, NAME=VALUE or NAME(params)=VALUE")
    flags = _build_flags(args)
    predefined = command_line(flags.words, flags.complete, lang)[0]
    dirs = [*flags.include_dirs, *args.include_dir]
    got = read_includes(source, args.file, lang, dirs, predefined=predefined)
    for note in got.notes:
        if note.endswith(": not found"):
            log.info("%s: %s", args.file, note)
        else:
            print(f"accellium suggest: {args.file}: {note}", file=sys.stderr)
    def includes_of(path: str, text: bytes):
        return read_includes(text, path, lang, dirs, predefined=predefined)

    return got, includes_of


def run_suggest(args: argparse.Namespace) -> int:
    if args.replace and not args.apply:
        return _fail("--replace needs --apply")
    if args.offload is not None and args.offload and not args.offload.isidentifier():
        return _fail(f"--offload takes a function name, got '{args.offload}'")
    if getattr(args, "program", None) and args.offload is None:
        return _fail("--program needs --offload")
    if args.compile_commands is not None and args.no_compile_commands:
        return _fail("--compile-commands and --no-compile-commands exclude each other")
    if args.line is not None and args.line < 1:
        return _fail(f"--line must be >= 1, got {args.line}")
    try:
        source = read_source(args.file)
        if args.apply:
            check_writable(args.file)
    except InputError as e:
        return _fail(str(e))
    # bad flags: before loading
    includes, includes_of = (None, None) if args.no_headers else _headers(args, source)
    engine = _engine(args)
    if isinstance(engine, int):
        return engine
    out = _Stdout()
    if args.offload is not None:
        from accellium.server.cli_offload import run_offload

        return run_offload(args, source, engine, out, includes, includes_of)
    results = annotate_source(source, engine, path=args.file, lang=args.lang, line=args.line,
                              includes=includes)
    if args.json:
        out(json.dumps([r.to_json() for r in results], indent=1))
    else:
        _print_text(out, args, results)
    out.flush()
    return _apply(args, source, results) if args.apply else 0


# ----------------------------------------------------------------------------------------------
# accellium bench loops
# ----------------------------------------------------------------------------------------------


def add_bench_parser(bench_sub: argparse._SubParsersAction) -> None:
    p = bench_sub.add_parser("loops", help="loop finding on deep nests (D1 of issue #12)",
                             description="Time find_loops on N nested loops (with and without "
                                         "a pragma on each) and on a flat file of N loops.")
    p.add_argument("--depth", type=int, nargs="+", default=[300, 1000, 5000])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_bench_loops)


def _nest_source(n: int, labelled: bool) -> bytes:
    head = "#pragma acc loop\n" if labelled else ""
    return ("void f(int n, float *a) {\n" + (head + "for (int i = 0; i < n; i++) {\n") * n
            + "a[0] += 1;\n" + "}\n" * n + "}\n").encode()


def run_bench_loops(args: argparse.Namespace) -> int:
    import time

    from accellium.dataset.loops import find_loops

    rows = []
    for n in args.depth:
        if n < 1:
            return _fail(f"--depth must be >= 1, got {n}")
        cases = {"nest": _nest_source(n, False), "nest+pragmas": _nest_source(n, True),
                 "flat": b"void f(int n, float *a) {\n"
                         + b"for (int i = 0; i < n; i++) a[i] = 0;\n" * n + b"}\n"}
        for name, src in cases.items():
            best = float("inf")
            for _ in range(max(1, args.repeat)):
                t0 = time.perf_counter()
                found = len(find_loops(src, "c"))
                best = min(best, time.perf_counter() - t0)
            rows.append({"case": name, "loops": n, "found": found, "bytes": len(src),
                         "seconds": round(best, 4)})
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        for r in rows:
            print(f"{r['case']:>13} {r['loops']:>6} loops {r['bytes']:>9} bytes: "
                  f"{r['seconds'] * 1000:9.1f} ms (best of {args.repeat})")
    return 0
