//! The container images the embedded cloud can run, matched by repository name so that the
//! tutorial's task definitions run unchanged whatever registry they name.

/// What a container runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Image {
    /// `*/gopher-requester`: calls the distributor's virtual service through its sidecar.
    Requester,
    /// `*/gopher-distributor`: answers with its version.
    Distributor,
    /// `*/aws-appmesh-envoy` (or any `*envoy*`): the Envoy-like sidecar.
    Envoy,
    /// `hashicorp/http-echo` (any `*/http-echo`): answers its `-text` like a distributor, with
    /// its task definition revision (http_echo.rs).
    HttpEcho,
    /// `curlimages/curl` (any `*/curl`): a requester calling the first URL of its command
    /// (http_echo.rs).
    Curl,
}

/// The repositories, as a person would read them in an error.
pub const KNOWN: &str = "*/gopher-requester, */gopher-distributor, */aws-appmesh-envoy, \
                         hashicorp/http-echo, curlimages/curl";

/// `registry/path/repository:tag@digest` → (repository, tag).
pub fn split(image: &str) -> (&str, Option<&str>) {
    let image = image.split('@').next().unwrap_or(image);
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((repository, tag)) => (repository, Some(tag)),
        None => (last, None),
    }
}

pub fn classify(image: &str) -> Option<Image> {
    let (repository, _) = split(image);
    match repository {
        "gopher-requester" => Some(Image::Requester),
        "gopher-distributor" => Some(Image::Distributor),
        "http-echo" => Some(Image::HttpEcho),
        "curl" => Some(Image::Curl),
        r if r.contains("envoy") => Some(Image::Envoy),
        _ => None,
    }
}

/// The reason ECS gives a task whose image cannot be pulled, and what would run instead.
pub fn cannot_pull(container: &str, image: &str) -> String {
    format!(
        "CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref {image}: not found \
         (container {container}). The embedded cloud runs these images: {KNOWN}."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_matched_by_repository() {
        assert_eq!(
            classify("meshwalk/gopher-distributor:v2"),
            Some(Image::Distributor)
        );
        assert_eq!(
            classify("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/gopher-requester:latest"),
            Some(Image::Requester)
        );
        assert_eq!(
            classify(
                "840364872350.dkr.ecr.us-east-1.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod"
            ),
            Some(Image::Envoy)
        );
        assert_eq!(classify("hashicorp/http-echo:1.0"), Some(Image::HttpEcho));
        assert_eq!(classify("hashicorp/http-echo"), Some(Image::HttpEcho));
        assert_eq!(classify("curlimages/curl:8.10.1"), Some(Image::Curl));
        assert_eq!(
            classify("public.ecr.aws/curlimages/curl:latest"),
            Some(Image::Curl)
        );
        assert_eq!(classify("nginx:latest"), None);
        assert_eq!(classify("hashicorp/http-echo-nope"), None);
        assert_eq!(split("repo/gopher-distributor:v2@sha256:abc").1, Some("v2"));
        assert!(cannot_pull("web", "nginx:latest").starts_with("CannotPullContainerError"));
    }
}
