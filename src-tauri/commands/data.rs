//! Reading DX: the publisher's subscribers, and the operations of either environment.

use std::collections::BTreeMap;

use dx_staging::{Operation, OperationStatus};
use tauri::State;

use crate::connections::Connections;
use crate::dto::{
    Environment, OperationDto, OperationsPage, StatusCount, SubscriberDto, SubscriberEnvView,
};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The subscribers registered on a publisher profile.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn list_subscribers(
    state: State<'_, AppState>,
    profile_id: String,
) -> AppResult<Vec<SubscriberDto>> {
    subscribers(&state.connections, profile_id).await
}

/// The logic of [`list_subscribers`].
pub async fn subscribers(conns: &Connections, profile_id: String) -> AppResult<Vec<SubscriberDto>> {
    let client = conns.client(&profile_id).await?;
    let list = client.subscribers().list().await?;
    Ok(list.into_iter().map(SubscriberDto::from).collect())
}

/// One subscriber registration, fresh from the publisher.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn get_subscriber(
    state: State<'_, AppState>,
    profile_id: String,
    id: String,
) -> AppResult<SubscriberDto> {
    subscriber(&state.connections, profile_id, id).await
}

/// The logic of [`get_subscriber`].
pub async fn subscriber(
    conns: &Connections,
    profile_id: String,
    id: String,
) -> AppResult<SubscriberDto> {
    let client = conns.client(&profile_id).await?;
    Ok(SubscriberDto::from(client.subscribers().get(&id).await?))
}

/// Every subscriber of a publisher with its environment's connection (linked, the older single
/// link, or none yet with the connection offered by host).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
pub async fn subscriber_environments(
    state: State<'_, AppState>,
    profile_id: String,
) -> AppResult<Vec<SubscriberEnvView>> {
    environments(&state.connections, profile_id).await
}

/// The logic of [`subscriber_environments`].
pub async fn environments(
    conns: &Connections,
    profile_id: String,
) -> AppResult<Vec<SubscriberEnvView>> {
    let client = conns.client(&profile_id).await?;
    let list = client.subscribers().list().await?;
    conns.environments(&profile_id, &list)
}

/// The profile whose operations to read: the publisher itself, or the environment of its
/// subscriber `subscriber_id` (without one: the environment every subscriber of the publisher
/// shares, when they share one).
pub async fn operations_profile(
    conns: &Connections,
    profile_id: &str,
    environment: Environment,
    subscriber_id: Option<&str>,
) -> AppResult<String> {
    match (environment, subscriber_id) {
        (Environment::Publisher, _) => Ok(profile_id.to_string()),
        (Environment::Subscriber, Some(sub)) => {
            let publisher = conns.client(profile_id).await?;
            match conns
                .subscriber_env(profile_id, sub, Some(&publisher))
                .await?
            {
                Some(env) => Ok(env.profile_id),
                None => Err(AppError::NoLinkedProfile {
                    profile: format!("{} (subscriber {sub})", conns.profile(profile_id)?.name),
                }),
            }
        }
        (Environment::Subscriber, None) => {
            let p = conns.profile(profile_id)?;
            let mut ids: Vec<&str> = p.environment_ids().collect();
            ids.sort_unstable();
            ids.dedup();
            match ids.as_slice() {
                [one] => Ok((*one).to_string()),
                _ => Err(AppError::NoLinkedProfile { profile: p.name }),
            }
        }
    }
}

/// One page of operations filtered by status (several) and trigger-function prefix, with the
/// counts by status of every operation matching the prefix. `subscriber_id` says whose
/// environment `Subscriber` is.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err)]
#[allow(clippy::too_many_arguments)]
pub async fn list_operations(
    state: State<'_, AppState>,
    profile_id: String,
    environment: Environment,
    subscriber_id: Option<String>,
    statuses: Vec<OperationStatus>,
    trigger_prefix: String,
    offset: u32,
    limit: u32,
) -> AppResult<OperationsPage> {
    operations(
        &state.connections,
        profile_id,
        environment,
        subscriber_id,
        statuses,
        trigger_prefix,
        offset,
        limit,
    )
    .await
}

/// The logic of [`list_operations`].
#[allow(clippy::too_many_arguments)]
pub async fn operations(
    conns: &Connections,
    profile_id: String,
    environment: Environment,
    subscriber_id: Option<String>,
    statuses: Vec<OperationStatus>,
    trigger_prefix: String,
    offset: u32,
    limit: u32,
) -> AppResult<OperationsPage> {
    let target =
        operations_profile(conns, &profile_id, environment, subscriber_id.as_deref()).await?;
    let client = conns.client(&target).await?;
    let all = client.operations().list().send().await?;
    Ok(page(all, &statuses, &trigger_prefix, offset, limit, target))
}

/// Filters, counts, sorts (newest first) and pages operations.
pub fn page(
    all: Vec<Operation>,
    statuses: &[OperationStatus],
    trigger_prefix: &str,
    offset: u32,
    limit: u32,
    profile_id: String,
) -> OperationsPage {
    let prefix = trigger_prefix.trim().to_ascii_lowercase();
    let mut matching: Vec<Operation> = all
        .into_iter()
        .filter(|o| {
            o.trigger_function
                .as_deref()
                .unwrap_or("")
                .to_ascii_lowercase()
                .starts_with(&prefix)
        })
        .collect();
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for o in &matching {
        *counts.entry(o.status.as_str().to_string()).or_default() += 1;
    }
    if !statuses.is_empty() {
        matching.retain(|o| statuses.contains(&o.status));
    }
    matching.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| b.id.cmp(&a.id)));
    let total = matching.len().min(u32::MAX as usize) as u32;
    let items = matching
        .into_iter()
        .skip(offset as usize)
        .take(limit.max(1) as usize)
        .map(OperationDto::from)
        .collect();
    OperationsPage {
        items,
        total,
        counts: counts
            .into_iter()
            .map(|(status, count)| StatusCount {
                status: OperationStatus::parse(&status),
                count,
            })
            .collect(),
        profile_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(id: &str, trigger: &str, status: &str, created: &str) -> Operation {
        serde_json::from_value(json!({
            "id": id, "triggerFunction": trigger, "status": status, "created": created
        }))
        .unwrap()
    }

    #[test]
    fn filters_counts_sorts_and_pages() {
        let ops = vec![
            op(
                "1",
                "syncStagingMediaContent",
                "SUCCESS",
                "2024-01-01T00:00:01Z",
            ),
            op(
                "2",
                "syncStagingRendition",
                "FAILED",
                "2024-01-01T00:00:02Z",
            ),
            op("3", "findStagingMismatch", "FAILED", "2024-01-01T00:00:03Z"),
            op(
                "4",
                "syncStagingMediaContent",
                "TODO",
                "2024-01-01T00:00:04Z",
            ),
            op(
                "5",
                "syncStagingMediaContent",
                "FAILED",
                "2024-01-01T00:00:05Z",
            ),
        ];
        let p = page(
            ops.clone(),
            &[OperationStatus::Failed, OperationStatus::Todo],
            "sync",
            0,
            2,
            "p".into(),
        );
        assert_eq!(p.total, 3);
        assert_eq!(
            p.items.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(),
            ["5", "4"]
        );
        assert_eq!(
            p.counts,
            vec![
                StatusCount {
                    status: OperationStatus::Failed,
                    count: 2
                },
                StatusCount {
                    status: OperationStatus::Success,
                    count: 1
                },
                StatusCount {
                    status: OperationStatus::Todo,
                    count: 1
                },
            ]
        );
        let p2 = page(
            ops.clone(),
            &[OperationStatus::Failed, OperationStatus::Todo],
            "SYNC",
            2,
            2,
            "p".into(),
        );
        assert_eq!(p2.items.len(), 1);
        assert_eq!(p2.items[0].id, "2");
        let all = page(ops, &[], "", 0, 50, "p".into());
        assert_eq!(all.total, 5);
    }
}
