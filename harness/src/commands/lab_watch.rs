//! `harness lab watch`: drives the watch mode's state machine ([`harness::lab::watch`]) with
//! saves (notify), keys (the terminal in cbreak mode: keys arrive one at a time, unechoed,
//! and Ctrl-C still interrupts) and gradings, and draws it ([`harness::render::watch`]).
//! Without a terminal it prints one line per finished grading and reads no keys.

use std::future::Future;
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::Context;
use harness::lab::solution::diff_with_reference;
use harness::lab::watch::{Action, Input, SavedState, Watch};
use harness::lab::{Grader, Lab, Mode, Outcome};
use harness::manifest::catalogue::Catalogue;
use harness::render::watch::{Look, plain_line, screen};
use notify::Watcher;

/// The terminal settings before the watch mode changed them, to put back on any exit.
static SAVED_TERMIOS: Mutex<Option<libc::termios>> = Mutex::new(None);

fn restore_terminal() {
    if let Ok(mut saved) = SAVED_TERMIOS.lock()
        && let Some(termios) = saved.take()
    {
        // SAFETY: tcsetattr on stdin with settings tcgetattr returned for it.
        unsafe {
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &termios);
        }
        print!("\x1b[?25h");
        let _ = std::io::stdout().flush();
    }
}

/// Keys one at a time: canonical mode and echo off (signals stay on), a thread reading
/// stdin. Dropping it puts the terminal back.
struct Keys;

impl Keys {
    fn start(tx: tokio::sync::mpsc::UnboundedSender<char>) -> anyhow::Result<Keys> {
        // SAFETY: tcgetattr/tcsetattr on stdin (a terminal, checked by the caller) with a
        // zeroed termios that tcgetattr fills in before it is used.
        unsafe {
            let mut termios: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(libc::STDIN_FILENO, &mut termios) != 0 {
                anyhow::bail!(
                    "cannot read the terminal's settings: {}",
                    std::io::Error::last_os_error()
                );
            }
            *SAVED_TERMIOS.lock().expect("not poisoned") = Some(termios);
            let mut keys = termios;
            keys.c_lflag &= !(libc::ICANON | libc::ECHO);
            keys.c_cc[libc::VMIN] = 1;
            keys.c_cc[libc::VTIME] = 0;
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &keys);
        }
        harness::docker::cleanup::on_signal_exit(|_, _| restore_terminal());
        std::thread::spawn(move || {
            let mut stdin = std::io::stdin();
            let mut byte = [0u8; 1];
            while let Ok(1) = stdin.read(&mut byte) {
                if tx.send(byte[0] as char).is_err() {
                    break;
                }
            }
        });
        Ok(Keys)
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        restore_terminal();
    }
}

type Grading<'g> = Pin<Box<dyn Future<Output = (usize, Outcome)> + Send + 'g>>;

pub fn run(catalogue: &Catalogue, lab: &Lab) -> anyhow::Result<()> {
    anyhow::ensure!(
        lab.started(),
        "the lab is not started: run `just lab` first (it copies the exercises' skeletons into docker/lab/), then `just lab watch`"
    );
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(watch(catalogue, lab))
}

async fn watch(catalogue: &Catalogue, lab: &Lab) -> anyhow::Result<()> {
    let engine = harness::docker::engine::connect().await?;
    let tty = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
    let (saved, note) = SavedState::load(&lab.root);
    let mut state = Watch::new(lab, &saved);
    state.note = note;
    let mut grader = Grader::for_workspace(&engine.docker, catalogue, lab);

    let (save_tx, mut saves) = tokio::sync::mpsc::unbounded_channel::<PathBuf>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && matches!(
                event.kind,
                notify::EventKind::Modify(_) | notify::EventKind::Create(_)
            )
        {
            for path in event.paths {
                let _ = save_tx.send(path);
            }
        }
    })
    .context("cannot watch files for changes")?;
    let folder = lab.root.join("docker/lab");
    // The exercises' Dockerfiles, and the folders of the exercises' own build contexts,
    // whose `.dockerignore` is the learner's file too.
    let contexts = lab.exercises.iter().filter_map(|e| e.context.as_ref());
    for dir in std::iter::once(folder.clone()).chain(contexts.map(|c| lab.root.join(c))) {
        if dir == folder || dir.is_dir() {
            watcher
                .watch(&dir, notify::RecursiveMode::NonRecursive)
                .with_context(|| format!("cannot watch {}", dir.display()))?;
        }
    }

    let (key_tx, mut keys) = tokio::sync::mpsc::unbounded_channel::<char>();
    let _keys = if tty {
        Some(Keys::start(key_tx)?)
    } else {
        None
    };
    if !tty {
        println!(
            "watching {}: one line per grading (no terminal, so no keys; Ctrl-C or SIGTERM ends it)",
            folder.display()
        );
    }
    let (progress_tx, mut progress) = tokio::sync::mpsc::unbounded_channel::<String>();
    let mut actions = state.start();
    let mut grading: Option<Grading<'_>> = None;
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        for action in std::mem::take(&mut actions) {
            match action {
                Action::Grade(index) => {
                    // Dropping a grading cancels its build (and stops its step container);
                    // the assignment also ends its borrow of the grader, for the next one.
                    #[allow(unused_assignments)]
                    {
                        grading = None;
                    }
                    let exercise = lab.exercises[index].clone();
                    let tx = progress_tx.clone();
                    let grader = &mut grader;
                    grading = Some(Box::pin(async move {
                        let mut say = move |line: String| {
                            let _ = tx.send(line);
                        };
                        let mut outcomes =
                            grader.grade(&[&exercise], Mode::Learner, &mut say).await;
                        (index, outcomes.remove(0))
                    }));
                }
                Action::Save => {
                    if let Err(e) = state.saved().save(&lab.root) {
                        state.note = Some(format!(
                            "cannot save the progress to {}: {e}",
                            harness::lab::watch::STATE_PATH
                        ));
                    }
                }
                Action::Quit => {
                    drop(grading);
                    let _ = harness::docker::run::sweep(&engine.docker).await;
                    if tty {
                        println!();
                    }
                    return Ok(());
                }
            }
        }
        if tty {
            let (rows, cols) = console::Term::stdout().size();
            let look = Look {
                width: cols as usize,
                height: rows as usize,
                colour: console::colors_enabled(),
            };
            println!("\x1b[?25l\x1b[H\x1b[2J{}", screen(&state, look));
            let _ = std::io::stdout().flush();
        }
        let input = tokio::select! {
            Some(key) = keys.recv() => Input::Key(key),
            Some(path) = saves.recv() => {
                // An editor's save is several events (write, rename, attributes): wait a
                // moment and grade once.
                tokio::time::sleep(Duration::from_millis(150)).await;
                let mut paths = vec![path];
                while let Ok(more) = saves.try_recv() {
                    if !paths.contains(&more) {
                        paths.push(more);
                    }
                }
                for path in paths {
                    actions.extend(state.handle(Input::Saved(path)));
                }
                continue;
            }
            Some(line) = progress.recv() => Input::Progress(line),
            (index, outcome) = async { grading.as_mut().expect("guarded").as_mut().await }, if grading.is_some() => {
                grading = None;
                let diff = outcome
                    .ok()
                    .then(|| diff_with_reference(lab, catalogue, &lab.exercises[index]).unwrap_or_else(|e| e.to_string()))
                    ;
                let input = Input::graded(index, &outcome, diff);
                actions.extend(state.handle(input));
                if !tty
                    && let Some(line) = plain_line(&state, index, &chrono::Utc::now().format("%H:%M:%S").to_string())
                {
                    println!("{line}");
                }
                continue;
            }
            _ = tick.tick() => continue,
        };
        actions.extend(state.handle(input));
    }
}
