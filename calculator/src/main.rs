//! The `calculator` binary: picks a mode from the arguments and the terminal, and maps the
//! result to an exit status. Every rule of the language lives in the library.

mod cli;
mod repl;

use std::io::IsTerminal as _;
use std::process::ExitCode;

use cli::{Command, Status};

fn main() -> ExitCode {
    signals::install();
    let command = match cli::parse_args(std::env::args_os().skip(1)) {
        Ok(command) => command,
        Err(usage) => {
            eprintln!("calculator: {usage}");
            eprintln!("Try 'calculator --help' for more information.");
            return ExitCode::from(Status::Usage as u8);
        }
    };
    let status = match command {
        Command::Help => cli::print_text(cli::HELP),
        Command::Version => cli::print_text(&cli::version_line()),
        Command::Run(inputs) if !inputs.is_empty() => cli::run_inputs(inputs),
        Command::Run(_) => {
            // The editor is only worth it when a person both types and reads: with output
            // redirected, its prompts and escape sequences would end up in the file.
            if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
                repl::run()
            } else {
                cli::run_stdin()
            }
        }
    };
    ExitCode::from(status as u8)
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
