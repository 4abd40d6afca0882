//! Hostile Dockerfiles (tests/fixtures/hostile/) against the builder and the grader: a build
//! that never ends, one that prints megabytes, a base image that cannot be had, a syntax
//! error, a step that leaves a process behind; and a test run killed by SIGTERM or orphaned
//! by its parent. Each ends with a verdict within a short limit, and nothing it started is
//! left in `docker ps -a`.
//!
//! The limit is 8 s (`CALC_KIT_HOSTILE_LIMIT` changes it: the signal tests run the hanging
//! build in a child process with a long one, then kill it). `CALC_KIT_SKIP_DOCKER=1` skips
//! these tests, loudly.

use std::io::{BufRead, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use harness::docker::build::{BuildOptions, LikelyCause, TIMED_OUT, build_dockerfile_with};
use harness::docker::engine::{self, Docker};
use harness::docker::{cleanup, limits};
use harness::lab::{Grader, Lab, Mode};
use harness::manifest::catalogue::Catalogue;

/// One hostile build at a time: each test looks for its fixture's containers, and two
/// builds of the same fixture would see each other's.
static SERIAL: Mutex<()> = Mutex::new(());

const HANG_MARKER: &str = "calc-kit-hostile-hang";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile")
}

/// The kit's catalogue with the fixtures folder as its root, so a fixture is built with a
/// context of its own.
fn fixture_catalogue() -> Catalogue {
    let mut catalogue = Catalogue::load().expect("the catalogue loads");
    catalogue.root = fixtures();
    catalogue
}

fn limit() -> Duration {
    std::env::var("CALC_KIT_HOSTILE_LIMIT")
        .ok()
        .and_then(|v| limits::parse_seconds("CALC_KIT_HOSTILE_LIMIT", &v).ok())
        .unwrap_or(Duration::from_secs(8))
}

fn say_on_signal(name: &str, removed: usize) {
    let _ = writeln!(
        std::io::stderr(),
        "hostile: {name} received, removed {removed} container(s)"
    );
}

/// A runtime and an engine, or `None` after a loud skip; no engine fails in one line.
fn engine_or_skip(test: &str) -> Option<(tokio::runtime::Runtime, Docker)> {
    if engine::skip_requested() {
        let _ = writeln!(
            std::io::stderr(),
            "\n## SKIPPED: {test}, because {}=1: no hostile build was tried.\n",
            engine::SKIP_VAR
        );
        return None;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(engine::connect()) {
        Ok(engine) => {
            cleanup::on_signal_exit(say_on_signal);
            Some((runtime, engine.docker))
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            std::panic::resume_unwind(Box::new(()));
        }
    }
}

/// Containers whose command mentions `marker` (the fixtures echo one each), with their state.
async fn containers_with(docker: &Docker, marker: &str) -> Vec<(String, String)> {
    let list = docker
        .list_containers(Some(
            bollard::query_parameters::ListContainersOptionsBuilder::new()
                .all(true)
                .build(),
        ))
        .await
        .expect("the engine lists containers");
    list.into_iter()
        .filter(|c| c.command.as_deref().unwrap_or_default().contains(marker))
        .map(|c| {
            (
                c.id.unwrap_or_default(),
                c.state.map(|s| s.to_string()).unwrap_or_default(),
            )
        })
        .collect()
}

fn options(limit: Duration) -> BuildOptions {
    BuildOptions {
        timeout: Some(limit),
        ..BuildOptions::default()
    }
}

#[test]
fn a_hanging_build_is_cancelled_at_its_limit_and_its_step_container_removed() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some((rt, docker)) = engine_or_skip("the hanging build") else {
        return;
    };
    let limit = limit();
    let started = Instant::now();
    let result = rt.block_on(build_dockerfile_with(
        &docker,
        &fixture_catalogue(),
        Path::new("hang.Dockerfile"),
        "calc-kit/lab:hostile-hang",
        options(limit),
        &mut |_| {},
    ));
    let took = started.elapsed();
    let e = result.expect_err("a build that sleeps for a day cannot succeed");
    let expected = format!("{TIMED_OUT} {}", limits::seconds(limit));
    assert!(e.error.starts_with(&expected), "{}", e.error);
    assert!(
        e.error
            .contains("step 2/2 `RUN echo calc-kit-hostile-hang && sleep 100000` was running"),
        "the verdict names the running step: {}",
        e.error
    );
    assert_eq!(e.cause, LikelyCause::TimedOut);
    assert!(e.to_string().contains("CALC_KIT_BUILD_TIMEOUT"), "{e}");
    assert!(
        e.tail.contains("---> Running in"),
        "the step's container had started: {}",
        e.tail
    );
    assert!(
        took < limit + Duration::from_secs(20),
        "cancelled {took:?} after a {limit:?} limit"
    );
    assert!(cleanup::live_steps().is_empty());
    let left = rt.block_on(containers_with(&docker, HANG_MARKER));
    assert!(left.is_empty(), "the step's container is gone: {left:?}");
}

#[test]
fn the_grader_gives_the_time_limit_verdict_for_a_hanging_exercise() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some((rt, docker)) = engine_or_skip("the hanging exercise") else {
        return;
    };
    let catalogue = fixture_catalogue();
    let manifest = r#"
skeletons = "."
repository = "calc-kit/lab"

[[exercise]]
number = 91
name = "hostile-hang"
dockerfile = "hang.Dockerfile"
solution = "debian-slim"
chapter = "docs/src/lab.md"
asks = "Build without waiting forever."
checks = ["builds"]
"#;
    let root = fixtures();
    let lab = Lab::parse(manifest, &root, &root.join("exercises.toml"), &catalogue)
        .expect("the fixture manifest parses");
    let mut grader = Grader::new(&docker, &catalogue, &lab, std::env::temp_dir());
    grader.build_timeout = Some(Duration::from_secs(6));
    let exercises: Vec<_> = lab.exercises.iter().collect();
    let started = Instant::now();
    let outcomes = rt.block_on(grader.grade(&exercises, Mode::Learner, &mut |_| {}));
    assert!(started.elapsed() < Duration::from_secs(30));
    let failure = outcomes[0].failure.as_ref().expect("the exercise fails");
    assert_eq!(failure.check.name(), "builds");
    assert!(
        failure
            .verdict
            .contains("the build did not finish within 6 s")
            && failure.verdict.contains("sleep 100000` was running"),
        "{}",
        failure.verdict
    );
    assert!(
        failure.advice.contains("CALC_KIT_BUILD_TIMEOUT"),
        "{}",
        failure.advice
    );
    let left = rt.block_on(containers_with(&docker, HANG_MARKER));
    assert!(left.is_empty(), "nothing left behind: {left:?}");
}

#[test]
fn a_flood_of_build_output_ends_with_a_verdict_and_a_short_tail() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some((rt, docker)) = engine_or_skip("the output flood") else {
        return;
    };
    let mut lines = 0usize;
    let mut longest = 0usize;
    let result = rt.block_on(build_dockerfile_with(
        &docker,
        &fixture_catalogue(),
        Path::new("flood.Dockerfile"),
        "calc-kit/lab:hostile-flood",
        options(limit().max(Duration::from_secs(120))),
        &mut |event| {
            if let harness::docker::build::BuildEvent::Output(line) = event {
                lines += 1;
                longest = longest.max(line.len());
            }
        },
    ));
    let e = result.expect_err("the flood step exits 3");
    assert!(
        e.error.contains("returned a non-zero code: 3"),
        "{}",
        e.error
    );
    assert!(
        e.tail.contains("calc-kit-hostile-flood-end"),
        "the end of the output is kept: {}",
        &e.tail[e.tail.len().saturating_sub(300)..]
    );
    assert!(e.tail.lines().count() <= harness::docker::build::TAIL_LINES);
    assert!(lines > 900_000, "{lines} lines of output were seen");
    assert!(longest <= 16 << 10, "a 2 MB line is cut: longest {longest}");
    let left = rt.block_on(containers_with(&docker, "calc-kit-hostile-flood"));
    assert!(left.is_empty(), "nothing left behind: {left:?}");
}

#[test]
fn a_missing_base_image_and_a_syntax_error_are_named() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some((rt, docker)) = engine_or_skip("the missing base and the syntax error") else {
        return;
    };
    let catalogue = Catalogue::load().expect("the catalogue loads");
    // From the workspace root: a missing base runs the kit's own recipes, which know no
    // stand-in for it.
    let started = Instant::now();
    let missing = rt
        .block_on(build_dockerfile_with(
            &docker,
            &catalogue,
            Path::new("harness/tests/fixtures/hostile/missing-base.Dockerfile"),
            "calc-kit/lab:hostile-missing-base",
            options(Duration::from_secs(120)),
            &mut |_| {},
        ))
        .expect_err("no such base");
    assert_eq!(missing.cause, LikelyCause::MissingBaseImage, "{missing}");
    assert!(
        missing
            .error
            .contains("calc-kit/hostile-no-such-base:never"),
        "{missing}"
    );
    assert!(started.elapsed() < Duration::from_secs(120));

    let syntax = rt
        .block_on(build_dockerfile_with(
            &docker,
            &fixture_catalogue(),
            Path::new("syntax-error.Dockerfile"),
            "calc-kit/lab:hostile-syntax-error",
            options(limit()),
            &mut |_| {},
        ))
        .expect_err("RUNN is no instruction");
    assert_eq!(syntax.cause, LikelyCause::SyntaxError, "{syntax}");
    assert!(syntax.error.to_lowercase().contains("runn"), "{syntax}");
}

#[test]
fn a_background_process_does_not_keep_a_step_alive() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some((rt, docker)) = engine_or_skip("the background process") else {
        return;
    };
    let tag = "calc-kit/lab:hostile-background";
    let built = rt
        .block_on(build_dockerfile_with(
            &docker,
            &fixture_catalogue(),
            Path::new("background.Dockerfile"),
            tag,
            options(limit().max(Duration::from_secs(60))),
            &mut |_| {},
        ))
        .expect("both steps end although the first left a sleep behind");
    assert!(built.log.contains("second step"), "{}", built.log);
    let left = rt.block_on(containers_with(&docker, "calc-kit-hostile-background"));
    assert!(left.is_empty(), "nothing left behind: {left:?}");
    let _ = rt.block_on(docker.remove_image(
        tag,
        None::<bollard::query_parameters::RemoveImageOptions>,
        None,
    ));
}

/// Starts this test binary again running only the hanging build, with a long limit, through
/// `launcher` (a shell line whose `$0` is the binary), and waits until the build's step
/// container runs. Returns the launcher, its first output line and the file its standard
/// error goes to.
fn start_hanging_child(launcher: &str) -> (std::process::Child, String, tempfile::NamedTempFile) {
    let stderr = tempfile::NamedTempFile::new().expect("a temporary file");
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(launcher)
        .arg(exe)
        .env("CALC_KIT_HOSTILE_LIMIT", "600")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr.reopen().expect("the temporary file reopens"))
        .process_group(0)
        .spawn()
        .expect("the child starts");
    let mut first = String::new();
    let stdout = child.stdout.take().expect("piped");
    let mut reader = std::io::BufReader::new(stdout);
    let _ = reader.read_line(&mut first);
    // Keep draining the child's stdout so it never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = String::new();
        while reader.read_line(&mut sink).is_ok_and(|n| n > 0) {
            sink.clear();
        }
    });
    (child, first.trim().to_string(), stderr)
}

fn wait_for_running_step(rt: &tokio::runtime::Runtime, docker: &Docker) -> Vec<(String, String)> {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let found = rt.block_on(containers_with(docker, HANG_MARKER));
        if found.iter().any(|(_, state)| state == "running") || Instant::now() > deadline {
            return found;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

const CHILD_TEST: &str = "a_hanging_build_is_cancelled_at_its_limit_and_its_step_container_removed";

#[test]
fn sigterm_to_the_process_group_removes_the_running_build_step() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some((rt, docker)) = engine_or_skip("SIGTERM to a test run") else {
        return;
    };
    // `exec`: the child is the test binary itself, leader of its own process group.
    let launcher =
        format!("echo $$; exec \"$0\" --exact {CHILD_TEST} --nocapture --test-threads=1");
    let (mut child, pid, stderr) = start_hanging_child(&launcher);
    let during = wait_for_running_step(&rt, &docker);
    assert!(
        during.iter().any(|(_, s)| s == "running"),
        "the child's build step runs (docker ps -a during the build): {during:?}"
    );
    let pid: i32 = pid.parse().expect("the child said its pid");
    // As CI cancels a job: the signal goes to the whole process group.
    // SAFETY: kill(2) with a negative pid signals that process group; no memory is involved.
    assert_eq!(unsafe { libc::kill(-pid, libc::SIGTERM) }, 0);
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the child did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let said = std::fs::read_to_string(stderr.path()).unwrap_or_default();
    assert_eq!(
        status.code(),
        Some(128 + libc::SIGTERM),
        "{status:?}: {said}"
    );
    assert!(said.contains("SIGTERM received, removed"), "{said}");
    let after = rt.block_on(containers_with(&docker, HANG_MARKER));
    assert!(
        after.is_empty(),
        "docker ps -a after the SIGTERM: {after:?}"
    );
}

#[test]
fn a_test_binary_whose_parent_dies_removes_its_build_step() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some((rt, docker)) = engine_or_skip("a parent that dies") else {
        return;
    };
    // The shell stays the test binary's parent; killing it orphans the binary. The binary's
    // own output goes elsewhere, so the first line on the pipe is the shell's `echo $!`.
    let launcher = format!(
        "\"$0\" --exact {CHILD_TEST} --nocapture --test-threads=1 >/dev/null & echo $!; wait"
    );
    let (mut shell, pid, stderr) = start_hanging_child(&launcher);
    let pid: i32 = pid.parse().expect("the shell said the test binary's pid");
    let during = wait_for_running_step(&rt, &docker);
    assert!(
        during.iter().any(|(_, s)| s == "running"),
        "the orphan-to-be's build step runs: {during:?}"
    );
    shell.kill().expect("the parent is killed");
    let _ = shell.wait();
    let proc = PathBuf::from(format!("/proc/{pid}/stat"));
    let deadline = Instant::now() + Duration::from_secs(30);
    // Gone, or a zombie nobody reaped yet: either way it has exited.
    while std::fs::read_to_string(&proc).is_ok_and(|stat| {
        !stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    }) {
        assert!(
            Instant::now() < deadline,
            "the orphaned test binary {pid} still runs 30 s after its parent died"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let after = rt.block_on(containers_with(&docker, HANG_MARKER));
    assert!(
        after.is_empty(),
        "docker ps -a after the parent died: {after:?}"
    );
    let said = std::fs::read_to_string(stderr.path()).unwrap_or_default();
    assert!(said.contains("SIGTERM received, removed"), "{said}");
}
