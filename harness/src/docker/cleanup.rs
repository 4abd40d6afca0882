//! Nothing the harness starts outlives it. Three ways a run can end early, and what each
//! leaves behind unless handled here:
//!
//! - a build cancelled by its time limit, or abandoned on purpose (the lab's dependency-cache
//!   check stops its rebuild once the answer is known): the legacy builder can keep the
//!   step's container running when its client goes away, so [`StepContainer`] stops and
//!   removes it, by the id the build log names (`---> Running in <id>`);
//! - SIGINT or SIGTERM (Ctrl-C, CI cancelling a job: it signals the whole process group of
//!   `cargo test`, and cargo does not forward signals to the test binaries): [`install`]
//!   catches them, removes this process's containers and running build steps, and exits;
//! - the parent dying (a killed `cargo test`, a closed terminal): on Linux the process asks
//!   the kernel for a SIGTERM when that happens, and the same cleanup runs.
//!
//! An exit on a signal runs no destructors, so what lives outside the engine (the claims'
//! registry process and its data directory) registers an [`ExitJob`] that the same cleanup
//! runs.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, Once};
use std::time::Duration;

use bollard::Docker;

use crate::docker::container::remove_container;

/// Build-step containers running right now in this process (short ids from the build log).
static LIVE_STEPS: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// What runs before an exit on a signal, after the cleanup: a terminal put back, a line that
/// says what happened (printing is the commands' and the tests' business, not this module's).
/// Each gets the signal's name and how many containers were removed.
pub(crate) type ExitHook = fn(&str, usize);

static EXIT_HOOKS: Mutex<Vec<ExitHook>> = Mutex::new(Vec::new());

/// Work to do on an exit by signal, by the id of the [`ExitJob`] that registered it.
type Job = Box<dyn FnOnce() + Send>;
static EXIT_JOBS: Mutex<BTreeMap<u64, Job>> = Mutex::new(BTreeMap::new());
static NEXT_JOB: AtomicU64 = AtomicU64::new(0);

/// Something to undo if the process exits on a signal (a child process to kill, a directory
/// to remove). Dropping it (the normal end, where a destructor did the work) forgets the job
/// without running it.
#[derive(Debug)]
pub(crate) struct ExitJob(u64);

impl ExitJob {
    /// Registers `job` to run in [`clean_up_now`].
    pub(crate) fn new(job: impl FnOnce() + Send + 'static) -> ExitJob {
        let id = NEXT_JOB.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut jobs) = EXIT_JOBS.lock() {
            jobs.insert(id, Box::new(job));
        }
        ExitJob(id)
    }
}

impl Drop for ExitJob {
    fn drop(&mut self) {
        if let Ok(mut jobs) = EXIT_JOBS.lock() {
            jobs.remove(&self.0);
        }
    }
}

/// Runs (once) every job still registered.
fn run_exit_jobs() {
    let jobs = EXIT_JOBS
        .lock()
        .map(|mut jobs| std::mem::take(&mut *jobs))
        .unwrap_or_default();
    jobs.into_values().for_each(|job| job());
}

/// How long the cleanup on a signal may take before the process exits anyway.
const CLEANUP_LIMIT: Duration = Duration::from_secs(20);

/// The running step container of one build. Dropped while still set (a build future dropped
/// mid-step), it stops and removes the container from a helper thread, like
/// [`crate::docker::container::ContainerGuard`].
#[derive(Debug, Default)]
pub(crate) struct StepContainer {
    id: Option<String>,
}

impl StepContainer {
    /// The builder started a step's container `id`.
    pub(crate) fn started(&mut self, id: &str) {
        self.finished();
        if let Ok(mut live) = LIVE_STEPS.lock() {
            live.insert(id.to_string());
        }
        self.id = Some(id.to_string());
    }

    /// The step ended (the builder removes its container itself).
    pub(crate) fn finished(&mut self) {
        if let Some(id) = self.id.take()
            && let Ok(mut live) = LIVE_STEPS.lock()
        {
            live.remove(&id);
        }
    }

    /// Stops and removes the running step's container now.
    pub(crate) async fn cancel(&mut self, docker: &Docker) {
        if let Some(id) = self.id.clone() {
            remove_container(docker, &id).await;
            self.finished();
        }
    }
}

impl Drop for StepContainer {
    fn drop(&mut self) {
        if let Some(id) = self.id.clone() {
            on_own_runtime(move |docker| async move { remove_container(&docker, &id).await });
            self.finished();
        }
    }
}

/// Runs `job` with a fresh client on a runtime of its own in a helper thread, and waits for
/// it: usable from Drop and from a signal thread, inside or outside any tokio runtime.
pub(crate) fn on_own_runtime<F, Fut>(job: F)
where
    F: FnOnce(Docker) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let _ = std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async {
            if let Ok(docker) = Docker::connect_with_defaults() {
                let _ = tokio::time::timeout(CLEANUP_LIMIT, job(docker)).await;
            }
        });
    })
    .join();
}

/// Runs the registered [`ExitJob`]s, removes every build step running in this process and
/// every container this process labelled; returns how many containers were removed. What the signal handler runs.
pub(crate) fn clean_up_now() -> usize {
    run_exit_jobs();
    let steps: Vec<String> = LIVE_STEPS
        .lock()
        .map(|mut live| std::mem::take(&mut *live).into_iter().collect())
        .unwrap_or_default();
    let removed = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = removed.clone();
    on_own_runtime(move |docker| async move {
        for id in &steps {
            remove_container(&docker, id).await;
        }
        let swept = crate::docker::container::sweep(&docker).await.unwrap_or(0);
        count.fetch_add(steps.len() + swept, std::sync::atomic::Ordering::SeqCst);
    });
    removed.load(std::sync::atomic::Ordering::SeqCst)
}

/// Registers `hook` to run before the process exits on a signal, after the containers are
/// gone (the watch mode puts the terminal back; the commands say what was cleaned).
pub fn on_signal_exit(hook: ExitHook) {
    if let Ok(mut hooks) = EXIT_HOOKS.lock() {
        hooks.push(hook);
    }
}

/// Catches SIGINT, SIGTERM and SIGHUP, and asks for a SIGTERM when the parent process dies;
/// on any of them, [`clean_up_now`] runs and the process exits with 128 + the signal number,
/// as a shell reports a death by that signal. Idempotent: every engine connection calls it.
pub(crate) fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        #[cfg(unix)]
        install_unix();
    });
}

#[cfg(unix)]
fn install_unix() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(PR_SET_PDEATHSIG) takes a signal number and changes nothing but this
    // process's own death signal.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
    }
    let _ = std::thread::Builder::new()
        .name("calc-kit-cleanup".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let removed = clean_up_now();
                let name = signal_hook::low_level::signal_name(signal).unwrap_or("a signal");
                if let Ok(hooks) = EXIT_HOOKS.lock() {
                    hooks.iter().for_each(|hook| hook(name, removed));
                }
                std::process::exit(128 + signal);
            }
        });
}

/// Build-step containers this process has running (for tests and for diagnostics).
pub fn live_steps() -> Vec<String> {
    LIVE_STEPS
        .lock()
        .map(|live| live.iter().cloned().collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    use super::*;

    #[test]
    fn an_exit_job_runs_once_on_a_signal_exit_and_never_after_its_drop() {
        let ran = Arc::new(AtomicUsize::new(0));
        let (kept, dropped) = (ran.clone(), ran.clone());
        let pending = ExitJob::new(move || {
            kept.fetch_add(1, Ordering::SeqCst);
        });
        drop(ExitJob::new(move || {
            dropped.fetch_add(100, Ordering::SeqCst);
        }));
        run_exit_jobs();
        run_exit_jobs();
        assert_eq!(ran.load(Ordering::SeqCst), 1);
        drop(pending);
    }
}
