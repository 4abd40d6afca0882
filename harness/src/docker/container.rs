//! The containers the harness owns. Every one carries [`CONTAINER_LABEL`] set to this
//! process's id ([`labels`]) and is held by a [`ContainerGuard`] that removes it when dropped
//! (also when a test panics): [`create`] does both for the containers made with bollard, and
//! testcontainers' requests carry the same label. [`sweep`] removes whatever a crash left
//! behind, and never the containers of a run going on beside this one.

use std::collections::HashMap;

use bollard::Docker;
use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{
    CreateContainerOptions, ListContainersOptionsBuilder, RemoveContainerOptionsBuilder,
};

use crate::CONTAINER_LABEL;

/// The labels of every container the harness creates: [`CONTAINER_LABEL`] set to [`owner`].
pub(crate) fn labels() -> HashMap<String, String> {
    [(CONTAINER_LABEL.to_string(), owner())].into()
}

/// The value of [`CONTAINER_LABEL`] on this process's containers: its process id. A sweep
/// then removes what this process or a run that has died left behind, and never the
/// containers of a run going on beside it (a demo during a test, two test runs at once).
pub(crate) fn owner() -> String {
    std::process::id().to_string()
}

/// Whether a container labelled `value`, created at `created` (Unix seconds), belongs to
/// nobody still running: this process, a process that has exited, or a label from an older
/// harness. Where process ids cannot be checked (no /proc), two hours of age decide.
fn abandoned(value: &str, created: i64) -> bool {
    if value == owner() {
        return true;
    }
    let Ok(pid) = value.parse::<u32>() else {
        return true;
    };
    let proc = std::path::Path::new("/proc");
    if proc.join("self").exists() {
        return !proc.join(pid.to_string()).exists();
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    now - created > 2 * 60 * 60
}

/// Creates a container from `body`, labelled with [`labels`] whatever `body` says, and takes
/// charge of it: from here on it is removed on every path.
pub(crate) async fn create(
    docker: &Docker,
    body: ContainerCreateBody,
) -> Result<ContainerGuard, bollard::errors::Error> {
    let body = ContainerCreateBody {
        labels: Some(labels()),
        ..body
    };
    let created = docker
        .create_container(None::<CreateContainerOptions>, body)
        .await?;
    Ok(ContainerGuard::new(created.id))
}

/// Removes container `id` and its anonymous volumes, running or not (`docker rm -fv`). A
/// failure is ignored: the container is gone already, or the next sweep takes it.
pub(crate) async fn remove_container(docker: &Docker, id: &str) {
    let options = RemoveContainerOptionsBuilder::new()
        .force(true)
        .v(true)
        .build();
    let _ = docker.remove_container(id, Some(options)).await;
}

/// Removes a container when dropped, whatever happened (panics included), unless
/// [`ContainerGuard::remove`] already did. Drop cannot await, so it removes through
/// [`crate::docker::cleanup::on_own_runtime`]: that works inside or outside any tokio runtime.
#[derive(Debug)]
pub(crate) struct ContainerGuard {
    id: Option<String>,
}

impl ContainerGuard {
    /// Takes charge of container `id`.
    pub(crate) fn new(id: String) -> ContainerGuard {
        ContainerGuard { id: Some(id) }
    }

    /// The container id.
    pub(crate) fn id(&self) -> &str {
        self.id.as_deref().unwrap_or_default()
    }

    /// Removes the container now (forcefully), the normal path.
    pub(crate) async fn remove(mut self, docker: &Docker) {
        if let Some(id) = self.id.take() {
            remove_container(docker, &id).await;
        }
    }
}

impl Drop for ContainerGuard {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            crate::docker::cleanup::on_own_runtime(move |docker| async move {
                remove_container(&docker, &id).await
            });
        }
    }
}

/// Removes the containers carrying [`CONTAINER_LABEL`] that this process or a finished run
/// left behind, running or not, and returns how many there were. Run before and after a test
/// session so nothing of ours outlives it; another run's live containers are left alone.
pub async fn sweep(docker: &Docker) -> Result<usize, bollard::errors::Error> {
    let leftovers: Vec<String> = list_labelled(docker)
        .await?
        .into_iter()
        .filter(|(_, value, created)| abandoned(value, *created))
        .map(|(id, _, _)| id)
        .collect();
    for id in &leftovers {
        remove_container(docker, id).await;
    }
    Ok(leftovers.len())
}

/// Ids of the containers carrying [`CONTAINER_LABEL`], whichever run made them.
pub async fn list_ours(docker: &Docker) -> Result<Vec<String>, bollard::errors::Error> {
    Ok(list_labelled(docker)
        .await?
        .into_iter()
        .map(|(id, _, _)| id)
        .collect())
}

/// (id, label value, creation time) of every container carrying [`CONTAINER_LABEL`].
async fn list_labelled(
    docker: &Docker,
) -> Result<Vec<(String, String, i64)>, bollard::errors::Error> {
    let filters: HashMap<String, Vec<String>> =
        [("label".to_string(), vec![CONTAINER_LABEL.to_string()])].into();
    let list = docker
        .list_containers(Some(
            ListContainersOptionsBuilder::new()
                .all(true)
                .filters(&filters)
                .build(),
        ))
        .await?;
    Ok(list
        .into_iter()
        .filter_map(|c| {
            let value = c
                .labels
                .as_ref()
                .and_then(|l| l.get(CONTAINER_LABEL))
                .cloned()
                .unwrap_or_default();
            Some((c.id?, value, c.created.unwrap_or(0)))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweep_spares_only_containers_of_live_runs() {
        assert!(abandoned(&owner(), 0), "our own leftovers go");
        assert!(abandoned("true", 0), "labels of an older harness go");
        if std::path::Path::new("/proc/self").exists() {
            assert!(
                !abandoned("1", 0),
                "process 1 is alive: its containers stay"
            );
            assert!(
                abandoned("4294967295", 0),
                "no such process: its containers go"
            );
        }
    }
}
