//! The `calculator` binary: picks a mode from the arguments and the terminal, and maps the
//! result to an exit status. Every rule of the language lives in the library.
//!
//! The binary has its own C `main` instead of Rust's `fn main`: std's start-up code finds
//! the main thread's stack bounds by parsing `/proc/self/maps` with glibc's `sscanf`, and
//! in a static binary that pulls in glibc's whole scanf and strtod family, about 140 KB of
//! the scratch image (docs/src/binary-size.md). The start-up steps that matter here are
//! done in [`entry`]; the one left out is std's stack-overflow message, which the
//! calculator cannot trigger (it never recurses on input).
// Test builds keep the harness's own `main`.
#![cfg_attr(not(test), no_main)]

mod cli;
mod repl;

use std::io::IsTerminal as _;

use cli::{Command, Status};

/// The process entry point, doing what std's start-up would do for this program.
#[cfg(not(test))]
mod entry {
    use std::io::Write as _;

    use std::ffi::{CStr, OsStr};
    use std::os::unix::ffi::OsStrExt as _;

    #[unsafe(no_mangle)]
    extern "C" fn main(argc: libc::c_int, argv: *const *const libc::c_char) -> libc::c_int {
        // std's start-up steps, kept: standard descriptors that are closed are reopened
        // on /dev/null (so a file opened later cannot become "stdout"), and SIGPIPE is
        // ignored (a closed pipe is a write error, handled as such, not a silent kill).
        open_missing_std_fds();
        // SAFETY: setting a signal to SIG_IGN has no other effect.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
        // The arguments from argv itself: std::env::args_os() is only filled in without
        // std's start-up on glibc, and this should not depend on the C library.
        let args = (1..usize::try_from(argc).unwrap_or(0)).map(|i| {
            // SAFETY: the C runtime passes argc valid NUL-terminated strings in argv.
            let arg = unsafe { CStr::from_ptr(*argv.add(i)) };
            OsStr::from_bytes(arg.to_bytes()).to_os_string()
        });
        let status = super::run(args);
        // std flushes stdout when `fn main` returns; every path here has flushed already.
        let _ = std::io::stdout().flush();
        status as libc::c_int
    }

    fn open_missing_std_fds() {
        for fd in 0..3 {
            // SAFETY: F_GETFD only reads the descriptor's flags; open gets a C string.
            unsafe {
                if libc::fcntl(fd, libc::F_GETFD) == -1
                    && std::io::Error::last_os_error().raw_os_error() == Some(libc::EBADF)
                    && libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) != fd
                {
                    libc::abort();
                }
            }
        }
    }
}

/// Runs the calculator and returns its exit status.
#[cfg_attr(test, allow(dead_code))]
fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> Status {
    signals::install();
    let command = match cli::parse_args(args) {
        Ok(command) => command,
        Err(usage) => {
            eprintln!("calculator: {usage}");
            eprintln!("Try 'calculator --help' for more information.");
            return Status::Usage;
        }
    };
    match command {
        Command::Help => cli::print_text(cli::HELP),
        Command::Version => cli::print_text(&cli::version_line()),
        Command::Run { inputs, style } if !inputs.is_empty() => cli::run_inputs(inputs, style),
        Command::Run { style, .. } => {
            // The editor is only worth it when a person both types and reads: with output
            // redirected, its prompts and escape sequences would end up in the file.
            if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
                repl::run(style)
            } else {
                cli::run_stdin(style)
            }
        }
    }
}

/// Termination signals, handled so that the calculator behaves the same as PID 1 in a
/// container (where the kernel ignores every signal left at its default disposition, so
/// `docker stop` would otherwise wait out its whole grace period) as it does in a shell.
mod signals {
    use std::cell::UnsafeCell;
    use std::mem::MaybeUninit;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// The terminal settings from before the line editor first switched to raw mode.
    struct SavedTermios(UnsafeCell<MaybeUninit<libc::termios>>);

    // SAFETY: written once by `save_terminal` before `TERMIOS_SAVED` is published with
    // Release ordering, and only read after an Acquire load of that flag.
    unsafe impl Sync for SavedTermios {}

    static TERMIOS: SavedTermios = SavedTermios(UnsafeCell::new(MaybeUninit::uninit()));
    static TERMIOS_SAVED: AtomicBool = AtomicBool::new(false);
    /// Set while the line editor may hold the terminal in raw mode with bracketed paste on.
    static EDITING: AtomicBool = AtomicBool::new(false);

    const HANDLED: [libc::c_int; 3] = [libc::SIGTERM, libc::SIGINT, libc::SIGHUP];

    /// Installs the exit handler for SIGTERM, SIGINT and SIGHUP.
    pub fn install() {
        for signo in HANDLED {
            set_handler(signo, on_signal as *const () as libc::sighandler_t);
        }
    }

    /// Makes SIGINT harmless outside the line editor: the REPL's Ctrl-C means "clear the
    /// line", never "lose the session". (While it reads a line the editor turns Ctrl-C into
    /// a key press and restores this disposition afterwards.)
    pub fn ignore_interrupt() {
        set_handler(libc::SIGINT, libc::SIG_IGN);
    }

    fn set_handler(signo: libc::c_int, handler: libc::sighandler_t) {
        // SAFETY: the sigaction struct is fully initialised (zeroed, then filled in), and
        // the handler only calls async-signal-safe functions.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = handler;
            action.sa_flags = 0;
            libc::sigemptyset(&mut action.sa_mask);
            // One handler at a time: a second signal must not interleave its cleanup.
            for other in HANDLED {
                libc::sigaddset(&mut action.sa_mask, other);
            }
            libc::sigaction(signo, &action, std::ptr::null_mut());
        }
    }

    /// Remembers the cooked terminal settings so that a signal arriving while the editor
    /// holds the terminal in raw mode does not leave the user's shell unusable.
    pub fn save_terminal() {
        if TERMIOS_SAVED.load(Ordering::Acquire) {
            return;
        }
        let mut termios = MaybeUninit::<libc::termios>::uninit();
        // SAFETY: tcgetattr fills the struct when it returns 0; only then is it published.
        unsafe {
            if libc::tcgetattr(libc::STDIN_FILENO, termios.as_mut_ptr()) == 0 {
                (*TERMIOS.0.get()).write(termios.assume_init());
                TERMIOS_SAVED.store(true, Ordering::Release);
            }
        }
    }

    /// Marks the span in which the editor may have the terminal in raw mode.
    pub fn editing(on: bool) {
        EDITING.store(on, Ordering::SeqCst);
    }

    /// Exits with the shell's 128 + signal convention. It calls `_exit` rather than
    /// re-raising the signal because re-raising does nothing for PID 1, and one status for
    /// every environment is easier to test and to explain.
    extern "C" fn on_signal(signo: libc::c_int) {
        // Only async-signal-safe calls below: sigprocmask, tcsetattr, write, _exit.
        // SAFETY: every pointer passed refers to a live, initialised value.
        unsafe {
            if EDITING.load(Ordering::SeqCst) && TERMIOS_SAVED.load(Ordering::Acquire) {
                // A background job changing the terminal would be stopped by SIGTTOU
                // instead of exiting.
                let mut ttou: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut ttou);
                libc::sigaddset(&mut ttou, libc::SIGTTOU);
                libc::sigprocmask(libc::SIG_BLOCK, &ttou, std::ptr::null_mut());
                let saved = (*TERMIOS.0.get()).as_ptr();
                libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, saved);
                // Bracketed paste off, and a fresh line for the shell's prompt.
                const RESET: &[u8] = b"\x1b[?2004l\r\n";
                libc::write(libc::STDOUT_FILENO, RESET.as_ptr().cast(), RESET.len());
            }
            libc::_exit(128 + signo);
        }
    }
}
