//! `harness sweep`: removes the containers the harness left behind.

use harness::CONTAINER_LABEL;
use harness::docker::engine::Docker;

pub async fn run(docker: &Docker) -> anyhow::Result<()> {
    let n = harness::docker::run::sweep(docker).await?;
    println!("removed {n} container(s) labelled {CONTAINER_LABEL}");
    Ok(())
}
