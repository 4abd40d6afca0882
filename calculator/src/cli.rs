//! Everything that runs without the line editor: the command line, expressions given as
//! arguments, scripts and piped input.
//!
//! The calculator is meant to be driven by other programs (`docker run IMAGE 1 + 2`, a
//! pipe, a script), so this side is strict about the contract a caller relies on: one
//! result per line on stdout, errors on stderr, every line evaluated even after an error,
//! and an exit status that says whether anything went wrong.

use std::ffi::{OsStr, OsString};
use std::fmt::Display;
use std::fs::File;
use std::io::{self, BufRead as _, BufReader, BufWriter, Read, Write as _};
use std::os::unix::ffi::{OsStrExt as _, OsStringExt as _};
use std::path::PathBuf;

use calculator::{Error, Outcome, Session, Style};

/// The exit status, as documented in `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success = 0,
    /// At least one input line failed to evaluate.
    Failure = 1,
    /// The command line was wrong or an input could not be read.
    Usage = 2,
}

/// Longer lines are refused instead of buffered: endless input without a newline
/// (`calculator < /dev/zero`) must not take all the memory. A 300,000-term sum is 600 KB.
pub const MAX_LINE_BYTES: usize = 16 << 20;

pub const HELP: &str = "\
calculator - exact arithmetic on numbers of any size, the same on a laptop and in any container

Usage:
  calculator                      interactive session (stdin and stdout a terminal)
  calculator EXPRESSION...        evaluate the arguments, joined by spaces, as one line
  calculator -e EXPR [-e EXPR]    evaluate each EXPR in order
  calculator -f FILE              run a script, one expression per line (- for stdin)
  ... | calculator                evaluate every line of stdin in order

Options:
  -e, --eval EXPR   evaluate EXPR; may be repeated
  -f, --file PATH   evaluate each line of PATH (- reads stdin); may be repeated
  --digits N        decimals shown for a fraction whose expansion does not end (20),
                    and significant digits of a float (15; at most 17)
  --fraction        print exact non-integers as p/q (3/4) instead of decimals
  -h, --help        print this help
  -V, --version     print the version
  --                end of options: everything after it is the expression

Inputs run in command-line order and share one session, so a variable set by one is
seen by the next. The expression starts at the first argument that is not an option
(an argument such as -5, -.5 or -(2) starts it too) and runs to the end of the command
line: options must come first.

Integers, fractions and decimals are exact: 0.1 is 1/10, 7/2 is 3.5, 1/3 prints
0.33333333333333333333 (rounded in its last digit). Roots, logarithms, trigonometry,
the constants and non-integer powers are 64-bit floats, printed with 15 significant
digits and an exponent from 1e15 up and below 1e-15. Outside the interactive session
results are plain numbers; the interactive session marks a rounded one with ≈.

Outside the interactive session every line stands alone: results are printed one per
line with no prompt, an error is reported on stderr and the next line still runs, and an
unclosed parenthesis is an error for its line (it does not continue on the next one).
A line with `exit` or `quit` stops all input. Blank lines and # comments print nothing.
Lines may end in CRLF; a line that is not UTF-8, or longer than 16 MiB, is an error for
that line only.

In the interactive session, :help lists the functions and constants, :vars the
variables; Tab completes names; an unclosed parenthesis continues on the next line;
Ctrl-C clears the line; Ctrl-D, exit or quit ends the session.

Exit status:
  0       every input evaluated successfully (always, for an interactive session)
  1       at least one input failed to evaluate
  2       usage error: unknown option, missing argument, unreadable file
  128+N   ended by signal N (143 for SIGTERM, as sent by `docker stop`)
  When the reader of the output goes away (`| head -1`), the calculator stops quietly
  with the status so far.

Environment:
  CALCULATOR_HISTORY  history file of the interactive session (empty: no history);
                      default $XDG_STATE_HOME/calc-kit/history, else
                      $HOME/.local/state/calc-kit/history, else none
  NO_COLOR            when set and not empty, no colours in the interactive session

Examples:
  calculator 6 '*' 7                    42
  calculator -e 'r = 2' -e 'pi * r^2'   12.5663706143592
  calculator 2^100                      1267650600228229401496703205376
  echo '7/2' | calculator               3.5
  calculator --fraction 1/4 + 1/2       3/4
  calculator 255 to hex                 0xff
  calculator -f script.calc             one line of output per result
  docker run --rm IMAGE 25!             15511210043330985984000000
";

/// The version line, shared by `--version` and the interactive banner.
pub fn version_line() -> String {
    format!("calculator {}\n", env!("CARGO_PKG_VERSION"))
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Help,
    Version,
    /// Evaluate these inputs in order, printing results in `style`; no input means
    /// stdin (a REPL on a terminal).
    Run {
        inputs: Vec<Input>,
        style: Style,
    },
}

/// One source of input lines, in command-line order.
#[derive(Debug, PartialEq, Eq)]
pub enum Input {
    /// `-e EXPR` or the positional words joined by spaces. Kept as bytes: an argument that
    /// is not UTF-8 is an evaluation error, like such a line on stdin, not a usage error.
    Text(Vec<u8>),
    /// `-f PATH`; `-` is stdin.
    File(PathBuf),
}

/// Parses the arguments (without the program name). The error is the usage message.
pub fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    use lexopt::prelude::*;

    let mut parser = lexopt::Parser::from_args(args);
    let mut inputs = Vec::new();
    let mut style = Style::DEFAULT;
    loop {
        // `-5 + 3` is arithmetic, not the option `-5`: look at the raw argument before
        // lexopt splits it into short options.
        if let Some(mut raw) = parser.try_raw_args()
            && raw.peek().is_some_and(starts_expression)
        {
            inputs.push(Input::Text(join_words(raw.by_ref())));
            break;
        }
        let Some(arg) = parser.next().map_err(|e| e.to_string())? else {
            break;
        };
        match arg {
            Short('h') | Long("help") => return Ok(Command::Help),
            Short('V') | Long("version") => return Ok(Command::Version),
            Short('e') | Long("eval") => {
                let expr = parser.value().map_err(|e| e.to_string())?;
                inputs.push(Input::Text(expr.into_vec()));
            }
            Short('f') | Long("file") => {
                let path = parser.value().map_err(|e| e.to_string())?;
                inputs.push(Input::File(path.into()));
            }
            Long("digits") => {
                let value = parser.value().map_err(|e| e.to_string())?;
                let n = calculator::parse_digits(&value.to_string_lossy())
                    .map_err(|m| format!("--digits: {m}"))?;
                style = style.with_digits(n);
            }
            Long("fraction") => style.fraction = true,
            Value(first) => {
                let rest = parser.raw_args().map_err(|e| e.to_string())?;
                inputs.push(Input::Text(join_words(std::iter::once(first).chain(rest))));
                break;
            }
            _ => return Err(arg.unexpected().to_string()),
        }
    }
    Ok(Command::Run { inputs, style })
}

/// A leading minus followed by a digit, a point or a parenthesis is a negative operand.
fn starts_expression(arg: &OsStr) -> bool {
    let bytes = arg.as_bytes();
    bytes.first() == Some(&b'-') && matches!(bytes.get(1), Some(b'0'..=b'9' | b'.' | b'('))
}

fn join_words(words: impl Iterator<Item = OsString>) -> Vec<u8> {
    let mut line = Vec::new();
    for (i, word) in words.enumerate() {
        if i > 0 {
            line.push(b' ');
        }
        line.extend_from_slice(word.as_bytes());
    }
    line
}

/// Prints fixed text (help, version); a closed stdout is not worth a message.
pub fn print_text(text: &str) -> Status {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Status::Success,
        Err(e) => write_failure(&e),
    }
}

/// A reader that went away (`| head -1`) ends the run quietly; any other failure to
/// write results (a full disk) is worth a message, since results were lost.
fn write_failure(err: &io::Error) -> Status {
    if err.kind() == io::ErrorKind::BrokenPipe {
        Status::Success
    } else {
        eprintln!("calculator: cannot write output: {}", os_reason(err));
        Status::Failure
    }
}

/// Evaluates stdin line by line: the mode for pipes, redirections and `docker run -i`.
pub fn run_stdin(style: Style) -> Status {
    run_inputs(vec![Input::File(PathBuf::from("-"))], style)
}

/// Evaluates every input in order in one session.
pub fn run_inputs(inputs: Vec<Input>, style: Style) -> Status {
    // Open every file before evaluating anything, so that a mistyped path is a usage
    // error with no partial output.
    let mut sources = Vec::with_capacity(inputs.len());
    for input in inputs {
        sources.push(match input {
            Input::Text(text) => Source::Text(text),
            Input::File(path) if path.as_os_str() == "-" => Source::Stdin,
            Input::File(path) => match open_script(&path) {
                Ok(file) => Source::File(path, file),
                Err(e) => {
                    eprintln!(
                        "calculator: cannot read '{}': {}",
                        path.display(),
                        os_reason(&e)
                    );
                    return Status::Usage;
                }
            },
        });
    }

    let mut run = Batch {
        session: Session::with_style(style),
        out: Output::new(),
        failed: false,
    };
    let result = sources.into_iter().try_for_each(|source| match source {
        Source::Text(text) => {
            // A newline inside an argument separates lines, as it would in a script.
            for line in text.split(|&b| b == b'\n') {
                run.line(line)?;
            }
            Ok(())
        }
        Source::Stdin => run.lines("standard input", io::stdin().lock()),
        Source::File(path, file) => run.lines(&path.display().to_string(), file),
    });
    let result = result.and_then(|()| run.out.flush().map_err(Stop::Write));
    match result {
        Ok(()) | Err(Stop::Exit) if run.failed => Status::Failure,
        Ok(()) | Err(Stop::Exit) => Status::Success,
        Err(Stop::Write(e)) => match write_failure(&e) {
            Status::Success if run.failed => Status::Failure,
            status => status,
        },
        Err(Stop::Read(name, e)) => {
            let _ = run.out.flush();
            eprintln!("calculator: cannot read '{name}': {}", os_reason(&e));
            Status::Usage
        }
    }
}

enum Source {
    Text(Vec<u8>),
    Stdin,
    File(PathBuf, File),
}

/// Why evaluation stopped before the end of the input.
enum Stop {
    /// `exit` or `quit`.
    Exit,
    /// stdout failed.
    Write(io::Error),
    /// An input failed mid-way; the name is what the user called it.
    Read(String, io::Error),
}

fn open_script(path: &std::path::Path) -> io::Result<File> {
    let file = File::open(path)?;
    // Opening a directory succeeds; say so now rather than at the first read.
    if file.metadata()?.is_dir() {
        return Err(io::Error::from_raw_os_error(libc::EISDIR));
    }
    Ok(file)
}

/// The OS reason without Rust's " (os error N)" suffix, which means nothing to a user.
fn os_reason(err: &io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

struct Batch {
    session: Session,
    out: Output,
    failed: bool,
}

impl Batch {
    /// Evaluates one line given as raw bytes (with or without its line ending).
    fn line(&mut self, bytes: &[u8]) -> Result<(), Stop> {
        let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        let line = match std::str::from_utf8(bytes) {
            Ok(line) => line,
            Err(e) => {
                let lossy = String::from_utf8_lossy(bytes);
                let error = Error::new(format!(
                    "the line is not valid UTF-8 (invalid byte at offset {})",
                    e.valid_up_to()
                ));
                return self.fail(&error, &lossy);
            }
        };
        match self.session.eval_line(line) {
            Ok(Outcome::Value(value)) => self.out.line(value).map_err(Stop::Write),
            Ok(Outcome::Text(text)) => self.out.text(&text).map_err(Stop::Write),
            Ok(Outcome::Silent) => Ok(()),
            Ok(Outcome::Exit) => Err(Stop::Exit),
            Err(error) => self.fail(&error, line),
        }
    }

    fn fail(&mut self, error: &Error, line: &str) -> Result<(), Stop> {
        self.failed = true;
        self.out.error(&error.report(line)).map_err(Stop::Write)
    }

    /// Evaluates every line of `reader`, reading bytes so that one bad line cannot take
    /// the rest of the input with it.
    fn lines(&mut self, name: &str, reader: impl Read) -> Result<(), Stop> {
        let mut reader = BufReader::with_capacity(64 << 10, reader);
        let mut line = Vec::new();
        let mut first = true;
        loop {
            line.clear();
            let complete = match read_line(&mut reader, &mut line, &mut self.out) {
                Ok(None) => return Ok(()),
                Ok(Some(complete)) => complete,
                Err(ReadError::Write(e)) => return Err(Stop::Write(e)),
                Err(ReadError::Read(e)) => return Err(Stop::Read(name.to_string(), e)),
            };
            let mut bytes = &line[..];
            if first {
                // Editors on Windows start UTF-8 files with a byte order mark.
                bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
                first = false;
            }
            if complete {
                self.line(bytes)?;
            } else {
                let error = Error::new(format!(
                    "the line is longer than {} MiB and was skipped",
                    MAX_LINE_BYTES >> 20
                ));
                self.fail(&error, "")?;
            }
        }
    }
}

enum ReadError {
    Read(io::Error),
    Write(io::Error),
}

/// Reads one line into `line`: `None` at the end of input, `Some(false)` when the line was
/// longer than [`MAX_LINE_BYTES`] (the rest of it is consumed and dropped).
///
/// Output is flushed whenever the next read could block, so a program talking to the
/// calculator through a pipe sees each result before it sends the next line, while a
/// large file or pipe is still written in big blocks.
fn read_line(
    reader: &mut BufReader<impl Read>,
    line: &mut Vec<u8>,
    out: &mut Output,
) -> Result<Option<bool>, ReadError> {
    let mut seen_any = false;
    let mut too_long = false;
    loop {
        if reader.buffer().is_empty() {
            out.flush().map_err(ReadError::Write)?;
        }
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadError::Read(e)),
        };
        if available.is_empty() {
            return Ok(seen_any.then_some(!too_long));
        }
        seen_any = true;
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(at) => (&available[..=at], true),
            None => (available, false),
        };
        let used = chunk.len();
        if !too_long && line.len() + chunk.len() <= MAX_LINE_BYTES + 2 {
            line.extend_from_slice(chunk);
        } else {
            too_long = true;
            line.clear();
        }
        reader.consume(used);
        if done {
            return Ok(Some(!too_long));
        }
    }
}

/// Results go through a buffer that is flushed before any error message and whenever
/// input would block, so stdout and stderr stay in order on a shared terminal or file.
struct Output {
    stdout: BufWriter<io::Stdout>,
}

impl Output {
    fn new() -> Self {
        Output {
            stdout: BufWriter::with_capacity(64 << 10, io::stdout()),
        }
    }

    fn line(&mut self, value: impl Display) -> io::Result<()> {
        writeln!(self.stdout, "{value}")
    }

    fn text(&mut self, text: &str) -> io::Result<()> {
        self.stdout.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            self.stdout.write_all(b"\n")?;
        }
        Ok(())
    }

    /// Writes an error report. A failing stderr is ignored: there is nowhere left to say
    /// so, and the results on stdout are still worth delivering.
    fn error(&mut self, report: &str) -> io::Result<()> {
        self.flush()?;
        let _ = io::stderr().lock().write_all(report.as_bytes());
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stdout.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(OsString::from))
    }

    fn text(s: &str) -> Input {
        Input::Text(s.as_bytes().to_vec())
    }

    /// A run of `inputs` in the default style.
    #[allow(non_snake_case)]
    fn Run(inputs: Vec<Input>) -> Command {
        Command::Run {
            inputs,
            style: Style::DEFAULT,
        }
    }

    #[test]
    fn words_are_one_line() {
        assert_eq!(parse(&["6", "*", "7"]), Ok(Run(vec![text("6 * 7")])));
    }

    #[test]
    fn negative_numbers_start_the_expression() {
        assert_eq!(parse(&["-5", "+", "3"]), Ok(Run(vec![text("-5 + 3")])));
        assert_eq!(parse(&["-.5"]), Ok(Run(vec![text("-.5")])));
        assert_eq!(parse(&["-(2)", "-h"]), Ok(Run(vec![text("-(2) -h")])));
        assert_eq!(parse(&["1", "-", "-2"]), Ok(Run(vec![text("1 - -2")])));
    }

    #[test]
    fn double_dash_ends_options() {
        assert_eq!(parse(&["--", "-x"]), Ok(Run(vec![text("-x")])));
    }

    #[test]
    fn options_keep_command_line_order() {
        assert_eq!(
            parse(&["-f", "a", "-e", "1", "--eval=2", "-e-3", "4"]),
            Ok(Run(vec![
                Input::File("a".into()),
                text("1"),
                text("2"),
                text("-3"),
                text("4")
            ]))
        );
    }

    #[test]
    fn usage_errors() {
        assert!(parse(&["-x"]).unwrap_err().contains("-x"));
        assert!(parse(&["--bogus"]).unwrap_err().contains("--bogus"));
        assert!(parse(&["-e"]).unwrap_err().contains("missing argument"));
    }

    #[test]
    fn help_states_the_line_limit() {
        assert!(HELP.contains(&format!("{} MiB", MAX_LINE_BYTES >> 20)));
    }

    #[test]
    fn help_and_version() {
        assert_eq!(parse(&["-h"]), Ok(Command::Help));
        assert_eq!(parse(&["-e", "1", "--version"]), Ok(Command::Version));
        assert_eq!(parse(&[]), Ok(Run(vec![])));
    }
}
