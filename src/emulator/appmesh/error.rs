//! App Mesh errors as the service sends them: an HTTP status, the `x-amzn-ErrorType` header
//! naming the model's error shape, and a `{"message": ...}` body.

/// An error of the App Mesh API, named as in the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppMeshError {
    #[error("BadRequestException: {0}")]
    BadRequest(String),
    #[error("NotFoundException: {0}")]
    NotFound(String),
    #[error("ConflictException: {0}")]
    Conflict(String),
    #[error("ResourceInUseException: {0}")]
    ResourceInUse(String),
    #[error("LimitExceededException: {0}")]
    LimitExceeded(String),
    #[error("TooManyTagsException: {0}")]
    TooManyTags(String),
    #[error("ForbiddenException: {0}")]
    Forbidden(String),
    #[error("InternalServerErrorException: {0}")]
    Internal(String),
}

impl AppMeshError {
    /// The model's error shape name (sent as `x-amzn-ErrorType`).
    pub fn code(&self) -> &'static str {
        match self {
            AppMeshError::BadRequest(_) => "BadRequestException",
            AppMeshError::NotFound(_) => "NotFoundException",
            AppMeshError::Conflict(_) => "ConflictException",
            AppMeshError::ResourceInUse(_) => "ResourceInUseException",
            AppMeshError::LimitExceeded(_) => "LimitExceededException",
            AppMeshError::TooManyTags(_) => "TooManyTagsException",
            AppMeshError::Forbidden(_) => "ForbiddenException",
            AppMeshError::Internal(_) => "InternalServerErrorException",
        }
    }

    /// The HTTP status the model gives the error shape.
    pub fn status(&self) -> u16 {
        match self {
            AppMeshError::BadRequest(_)
            | AppMeshError::LimitExceeded(_)
            | AppMeshError::TooManyTags(_) => 400,
            AppMeshError::Forbidden(_) => 403,
            AppMeshError::NotFound(_) => 404,
            AppMeshError::Conflict(_) | AppMeshError::ResourceInUse(_) => 409,
            AppMeshError::Internal(_) => 500,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            AppMeshError::BadRequest(m)
            | AppMeshError::NotFound(m)
            | AppMeshError::Conflict(m)
            | AppMeshError::ResourceInUse(m)
            | AppMeshError::LimitExceeded(m)
            | AppMeshError::TooManyTags(m)
            | AppMeshError::Forbidden(m)
            | AppMeshError::Internal(m) => m,
        }
    }
}

pub type Result<T> = std::result::Result<T, AppMeshError>;
