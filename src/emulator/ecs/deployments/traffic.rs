//! The traffic split between a service's revisions, as the data plane weighs its tasks, and
//! the revision a blue/green deployment's test traffic goes to.

use super::super::status::{DeploymentStrategy, LifecycleStage};
use super::super::store::{EcsRegion, EcsState, cluster_name, service_name};
use crate::emulator::account_region::AccountRegion;

impl EcsState {
    /// The share of a service's production traffic each revision gets now, as
    /// `(task definition ARN, percent)`, the target revision first: what the data plane
    /// weighs a service's tasks by. A service with no deployment under way sends all its
    /// traffic to its one task definition; a CANARY or LINEAR deployment splits it as its
    /// stage says; a ROLLING one by its running tasks; a rollback sends it all back.
    pub fn traffic_shift(
        &self,
        scope: &AccountRegion,
        cluster: &str,
        service: &str,
    ) -> Vec<(String, f64)> {
        let Some(region) = self.scopes.get(scope) else {
            return vec![];
        };
        region.traffic_shift(cluster, service)
    }
}

impl EcsRegion {
    /// The task definition test traffic goes to now, if any: the target revision of a
    /// deployment going forward at its TEST_TRAFFIC_SHIFT or POST_TEST_TRAFFIC_SHIFT stage
    /// ("The green service revision handles 100% of the test traffic"). Which requests are test
    /// traffic is the client alias's `testTrafficRules` (the data plane's to match).
    pub fn test_traffic_target(&self, cluster: &str, service: &str) -> Option<String> {
        let s = self
            .services
            .get(&(cluster.to_string(), service.to_string()))?;
        let d = self
            .service_deployments
            .get(s.current_service_deployment.as_ref()?)?;
        let testing = matches!(
            d.stage(),
            Some(LifecycleStage::TestTrafficShift | LifecycleStage::PostTestTrafficShift)
        );
        (d.rolls_forward() && d.blue_green() && testing).then(|| d.target_task_definition.clone())
    }

    pub fn traffic_shift(&self, cluster: &str, service: &str) -> Vec<(String, f64)> {
        let cluster = cluster_name(Some(cluster));
        let service = service_name(service).to_string();
        let Some(s) = self.services.get(&(cluster.clone(), service.clone())) else {
            return vec![];
        };
        let current = s
            .current_service_deployment
            .as_ref()
            .and_then(|arn| self.service_deployments.get(arn));
        let td = s.task_definition.clone().unwrap_or_default();
        let Some(d) = current.filter(|d| d.in_progress()) else {
            return vec![(td, 100.0)];
        };
        let Some(source) = d.source_task_definition.clone() else {
            return vec![(d.target_task_definition.clone(), 100.0)];
        };
        let target_percent = if d.strategy() == Some(DeploymentStrategy::Rolling)
            && d.stage() == Some(LifecycleStage::ScaleUp)
        {
            // Traffic follows the running tasks of each deployment.
            let running = |id: &str| {
                s.deployments
                    .iter()
                    .flatten()
                    .find(|x| x.id.as_deref() == Some(id))
                    .and_then(|x| x.running_count)
                    .unwrap_or(0) as f64
            };
            let (t, o) = (
                running(&d.target_id),
                d.source_id.as_deref().map_or(0.0, running),
            );
            if t + o == 0.0 {
                0.0
            } else {
                (t * 1000.0 / (t + o)).round() / 10.0
            }
        } else {
            d.target_percent
        };
        vec![
            (d.target_task_definition.clone(), target_percent),
            (source, ((100.0 - target_percent) * 10.0).round() / 10.0),
        ]
    }
}
