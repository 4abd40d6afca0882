//! The interactive session: rustyline with completion, hints, bracket matching, a
//! validator for unclosed parentheses, and history that is kept only where it can be.

use std::borrow::Cow;
use std::fs::{DirBuilder, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::PathBuf;

use calculator::builtins::{BUILTINS, Builtin, Kind};
use calculator::{Outcome, Session, Style, is_incomplete};
use rustyline::completion::{Completer, Pair};
use rustyline::error::{ReadlineError, Signal};
use rustyline::highlight::{CmdKind, Highlighter, MatchingBracketHighlighter};
use rustyline::hint::{Hint, Hinter};
use rustyline::history::FileHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{CompletionType, Config, Context, Editor};

use crate::cli::{self, Status};
use crate::signals;

const PROMPT: &str = "> ";

/// Whole-line commands, completed only at the start of a line.
const COMMANDS: [&str; 6] = [":help", ":vars", ":digits", ":fraction", "exit", "quit"];

/// The mark before a result that is not exactly the printed value (a rounded fraction,
/// any float). Only the interactive session shows it: elsewhere results stay plain
/// numbers for other programs to parse.
const APPROXIMATE: &str = "≈ ";

/// Runs the session until Ctrl-D, `exit` or `quit`. Evaluation errors do not change the
/// status: in a conversation they are answered, not accumulated.
pub fn run(style: Style) -> Status {
    signals::save_terminal();
    signals::ignore_interrupt();

    let config = Config::builder()
        .max_history_size(1000)
        .and_then(|b| b.history_ignore_dups(true))
        .map(|b| {
            b.history_ignore_space(true)
                .completion_type(CompletionType::List)
                .auto_add_history(false)
                .build()
        })
        .unwrap_or_default();
    let mut editor: Editor<CalcHelper, FileHistory> = match Editor::with_config(config) {
        Ok(editor) => editor,
        // No usable terminal after all: still answer every line.
        Err(_) => return cli::run_stdin(style),
    };
    editor.set_helper(Some(CalcHelper::new()));

    let mut history = history_path().filter(|path| prepare_history(path));
    if let Some(path) = &history {
        // A missing or unreadable file just means starting with an empty history.
        let _ = editor.load_history(path);
    }

    let mut session = Session::with_style(style);
    if !say(&format!(
        "calculator {} - :help lists functions and constants; exit or Ctrl-D quits\n",
        env!("CARGO_PKG_VERSION")
    )) {
        return Status::Success;
    }

    loop {
        signals::editing(true);
        let read = editor.readline(PROMPT);
        signals::editing(false);
        let line = match read {
            // A line continued after an unclosed parenthesis is one expression; joining
            // with spaces keeps every column where the error caret expects it.
            Ok(line) => line.replace(['\n', '\r'], " "),
            Err(ReadlineError::Interrupted | ReadlineError::Signal(Signal::Interrupt)) => continue,
            Err(ReadlineError::Eof) => return Status::Success,
            Err(e) => {
                eprintln!("calculator: cannot read the terminal: {e}");
                return Status::Failure;
            }
        };

        let outcome = session.eval_line(&line);
        // `exit` is left out: recalled first thing in the next session it would only
        // be a trap.
        if !line.trim().is_empty() && !matches!(outcome, Ok(Outcome::Exit)) {
            let _ = editor.add_history_entry(line.as_str());
            // Saved after every line, so a session ended by a signal or a closed terminal
            // keeps its history, and concurrent sessions merge theirs.
            if let Some(path) = &history
                && editor.append_history(path).is_err()
            {
                history = None;
            }
        }

        let shown = match outcome {
            Ok(Outcome::Value(answer)) if answer.is_exact() => say(&format!("{answer}\n")),
            Ok(Outcome::Value(answer)) => say(&format!("{APPROXIMATE}{answer}\n")),
            Ok(Outcome::Text(text)) if text.ends_with('\n') => say(&text),
            Ok(Outcome::Text(text)) => say(&format!("{text}\n")),
            Ok(Outcome::Silent) => true,
            Ok(Outcome::Exit) => return Status::Success,
            Err(error) => {
                let _ = io::stderr().write_all(error.report(&line).as_bytes());
                true
            }
        };
        if !shown {
            return Status::Success;
        }
        if let Some(helper) = editor.helper_mut() {
            helper.variables = session.variable_names();
        }
    }
}

/// Writes to stdout; false when the terminal is gone and the session should end.
fn say(text: &str) -> bool {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .is_ok()
}

/// Where history lives: `CALCULATOR_HISTORY` (empty turns it off), else the XDG state
/// directory, else `~/.local/state`. Relative XDG or HOME values are ignored, as the XDG
/// specification asks; with neither (a scratch container) there is no history.
fn history_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CALCULATOR_HISTORY") {
        return (!path.is_empty()).then(|| PathBuf::from(path));
    }
    let absolute = |name: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    let state = absolute("XDG_STATE_HOME")
        .or_else(|| absolute("HOME").map(|home| home.join(".local/state")))?;
    Some(state.join("calc-kit").join("history"))
}

/// Creates the history file's directory and checks the file can be written, so that a
/// read-only filesystem silently means "no history" instead of an error after each line.
fn prepare_history(path: &std::path::Path) -> bool {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty())
        && DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .is_err()
    {
        return false;
    }
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .is_ok()
}

/// Completion, hints, highlighting and validation for the editor. It keeps its own copy
/// of the variable names because the editor owns the helper while the loop owns the
/// session.
struct CalcHelper {
    variables: Vec<String>,
    brackets: MatchingBracketHighlighter,
    /// Hints are drawn dim; without colour they would look like typed text, so they are
    /// only offered with it.
    color: bool,
}

impl CalcHelper {
    fn new() -> Self {
        let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::env::var_os("TERM").is_none_or(|t| t != "dumb");
        CalcHelper {
            variables: Vec::new(),
            brackets: MatchingBracketHighlighter::new(),
            color,
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The byte offset where the name ending at `end` starts.
fn name_start(line: &str, end: usize) -> usize {
    line[..end]
        .rfind(|c: char| !is_name_char(c))
        .map_or(0, |i| {
            i + line[i..].chars().next().map_or(1, char::len_utf8)
        })
}

impl Completer for CalcHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let mut start = name_start(line, pos);
        if line[..start].ends_with(':') {
            start -= 1;
        }
        let word = &line[start..pos];
        if word.starts_with(|c: char| c.is_ascii_digit()) {
            return Ok((pos, Vec::new()));
        }
        let at_line_start = line[..start].trim().is_empty();

        let mut candidates: Vec<Pair> = Vec::new();
        let mut offer = |display: String, replacement: String| {
            if replacement.starts_with(word)
                && !candidates.iter().any(|c| c.replacement == replacement)
            {
                candidates.push(Pair {
                    display,
                    replacement,
                });
            }
        };
        for builtin in BUILTINS {
            match builtin.kind {
                Kind::Function { .. } => offer(signature(builtin), format!("{}(", builtin.name)),
                Kind::Constant => offer(builtin.name.to_string(), builtin.name.to_string()),
            }
        }
        for name in self.variables.iter().map(String::as_str).chain(["ans"]) {
            offer(name.to_string(), name.to_string());
        }
        if at_line_start {
            for command in COMMANDS {
                offer(command.to_string(), command.to_string());
            }
        }
        candidates.sort_by(|a, b| a.replacement.cmp(&b.replacement));
        Ok((start, candidates))
    }
}

/// `log(x[, y])`, from the arity in the built-in table.
fn signature(builtin: &Builtin) -> String {
    format!(
        "{}({})",
        builtin.name,
        parameters(builtin.kind).unwrap_or_default()
    )
}

fn parameters(kind: Kind) -> Option<String> {
    let Kind::Function { min_args, max_args } = kind else {
        return None;
    };
    const NAMES: [&str; 4] = ["x", "y", "z", "w"];
    let name = |i: usize| {
        NAMES
            .get(i)
            .map_or_else(|| format!("x{}", i + 1), |n| n.to_string())
    };
    let mut text: String = (0..min_args).map(name).collect::<Vec<_>>().join(", ");
    match max_args {
        Some(max) if max > min_args => {
            let optional: Vec<String> = (min_args..max).map(name).collect();
            let sep = if min_args == 0 { "" } else { ", " };
            text.push_str(&format!("[{sep}{}]", optional.join(", ")));
        }
        Some(_) => {}
        None if min_args == 0 => text.push_str("..."),
        None => text.push_str(", ..."),
    }
    Some(text)
}

/// A hint that is only shown, never inserted: it describes the arguments, which the user
/// still has to type.
struct SignatureHint(String);

impl Hint for SignatureHint {
    fn display(&self) -> &str {
        &self.0
    }

    fn completion(&self) -> Option<&str> {
        None
    }
}

impl Hinter for CalcHelper {
    type Hint = SignatureHint;

    /// Right after `name(` shows the parameters and what the function does.
    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<SignatureHint> {
        if !self.color || pos != line.len() {
            return None;
        }
        let before = line.strip_suffix('(')?;
        let name = &before[name_start(before, before.len())..];
        let builtin = BUILTINS.iter().find(|b| b.name == name)?;
        let params = parameters(builtin.kind)?;
        Some(SignatureHint(format!("{params})  {}", builtin.summary)))
    }
}

impl Highlighter for CalcHelper {
    fn highlight<'l>(&self, line: &'l str, pos: usize) -> Cow<'l, str> {
        self.brackets.highlight(line, pos)
    }

    fn highlight_char(&self, line: &str, pos: usize, kind: CmdKind) -> bool {
        self.brackets.highlight_char(line, pos, kind)
    }

    /// Dim, so a hint never looks like typed text. Only called when colours are on
    /// (a terminal, and NO_COLOR unset).
    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        Cow::Owned(format!("\x1b[2m{hint}\x1b[0m"))
    }
}

impl Validator for CalcHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        Ok(if is_incomplete(ctx.input()) {
            ValidationResult::Incomplete
        } else {
            ValidationResult::Valid(None)
        })
    }
}

impl rustyline::Helper for CalcHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_follow_arity() {
        let f = |min_args, max_args| parameters(Kind::Function { min_args, max_args }).unwrap();
        assert_eq!(f(1, Some(1)), "x");
        assert_eq!(f(1, Some(2)), "x[, y]");
        assert_eq!(f(2, Some(2)), "x, y");
        assert_eq!(f(1, None), "x, ...");
        assert_eq!(f(0, None), "...");
        assert_eq!(parameters(Kind::Constant), None);
    }

    #[test]
    fn names_end_at_operators() {
        assert_eq!(name_start("2+sq", 4), 2);
        assert_eq!(name_start("sq", 2), 0);
        assert_eq!(name_start("1 * é_x", "1 * é_x".len()), 4);
    }
}
