//! People and newsroom tools: creating and changing them, for the CLI and
//! the admin endpoints alike.

use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{self, Role};
use crate::config::random_token;
use crate::db::DbConnection;
use crate::error::{ApiError, FieldError};
use crate::models::integration::{self, Integration};
use crate::models::user::{self, User, UserChanges};
use crate::models::{author, new_id, now, refresh_token};

pub const MIN_PASSWORD_CHARS: usize = 10;

/// A person, as admins see them. Never the password hash.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    #[schema(example = "editor@newsroom.example")]
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The author profile (slug) they write as.
    pub author: Option<String>,
    pub disabled: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// A newsroom tool, as admins see it. Never its secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntegrationView {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub client_id: String,
    pub revoked: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// A new integration's credentials: the secret is shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntegrationCredentials {
    pub id: String,
    pub name: String,
    pub role: Role,
    #[schema(example = "bl_3kq9c2m8x1v7")]
    pub client_id: String,
    pub client_secret: String,
}

fn invalid(field: &str, message: &str) -> ApiError {
    ApiError::Validation(vec![FieldError {
        field: field.into(),
        message: message.into(),
    }])
}

fn parse_role(role: &str) -> Result<Role, ApiError> {
    Role::parse(role).ok_or_else(|| invalid("role", "must be admin, editor, author or contributor"))
}

fn check_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.contains('\0') {
        return Err(invalid("name", "must be 1 to 200 characters"));
    }
    Ok(name.to_string())
}

fn check_password(password: &str) -> Result<(), ApiError> {
    if password.chars().count() < MIN_PASSWORD_CHARS
        || password.len() > 1024
        || password.contains('\0')
    {
        return Err(invalid(
            "password",
            &format!("must be {MIN_PASSWORD_CHARS} to 1024 characters"),
        ));
    }
    Ok(())
}

fn author_id(conn: &mut DbConnection, slug: Option<&str>) -> Result<Option<String>, ApiError> {
    match slug {
        None => Ok(None),
        Some(slug) => author::find_by_slug(conn, slug)?
            .map(|a| Some(a.id))
            .ok_or_else(|| invalid("author", "no author has that slug")),
    }
}

pub fn user_view(conn: &mut DbConnection, u: User) -> Result<UserView, ApiError> {
    let author = match &u.author_id {
        Some(id) => author::slug_of(conn, id)?,
        None => None,
    };
    Ok(UserView {
        role: Role::parse(&u.role).unwrap_or(Role::Contributor),
        created_at: crate::views::timestamp(u.created_at),
        id: u.id,
        email: u.email,
        name: u.name,
        author,
        disabled: u.disabled,
    })
}

pub fn integration_view(i: Integration) -> IntegrationView {
    IntegrationView {
        role: Role::parse(&i.role).unwrap_or(Role::Contributor),
        revoked: i.revoked_at.is_some(),
        created_at: crate::views::timestamp(i.created_at),
        id: i.id,
        name: i.name,
        client_id: i.client_id,
    }
}

/// Adds a person. Emails are unique, compared without case.
pub fn create_user(
    conn: &mut DbConnection,
    email: &str,
    name: &str,
    role: &str,
    password: &str,
    author_slug: Option<&str>,
) -> Result<User, ApiError> {
    let email = crate::validation::normalize_email(email)
        .ok_or_else(|| invalid("email", "must be an email address"))?;
    let name = check_name(name)?;
    let role = parse_role(role)?;
    check_password(password)?;
    let author_id = author_id(conn, author_slug)?;
    if user::find_by_email(conn, &email)?.is_some() {
        return Err(ApiError::Conflict(
            "Another person already has this email.".into(),
        ));
    }
    let stamp = now();
    let row = User {
        id: new_id(),
        email,
        name,
        role: role.as_str().into(),
        password_hash: auth::hash_secret(password)?,
        author_id,
        disabled: false,
        created_at: stamp,
        updated_at: stamp,
    };
    user::insert(conn, &row)?;
    Ok(row)
}

/// Changes a person. Disabling them also ends every sign-in they have.
pub fn update_user(
    conn: &mut DbConnection,
    id: &str,
    name: Option<&str>,
    role: Option<&str>,
    password: Option<&str>,
    author_slug: Option<Option<&str>>,
    disabled: Option<bool>,
) -> Result<User, ApiError> {
    let found = user::find(conn, id)?
        .ok_or_else(|| ApiError::NotFound(format!("No person has the id '{id}'.")))?;
    let changes = UserChanges {
        name: name.map(check_name).transpose()?,
        role: role
            .map(|r| parse_role(r).map(|r| r.as_str().to_string()))
            .transpose()?,
        password_hash: match password {
            Some(p) => {
                check_password(p)?;
                Some(auth::hash_secret(p)?)
            }
            None => None,
        },
        author_id: match author_slug {
            Some(slug) => Some(author_id(conn, slug)?),
            None => None,
        },
        disabled,
        updated_at: Some(now()),
    };
    user::update(conn, &found.id, &changes)?;
    if disabled == Some(true) || changes.password_hash.is_some() {
        refresh_token::revoke_user(conn, &found.id, now())?;
    }
    user::find(conn, &found.id)?.ok_or_else(|| ApiError::NotFound("The person is gone.".into()))
}

/// Adds a newsroom tool; answers its credentials, the secret in clear this once.
pub fn create_integration(
    conn: &mut DbConnection,
    name: &str,
    role: &str,
    author_slug: Option<&str>,
) -> Result<IntegrationCredentials, ApiError> {
    let name = check_name(name)?;
    let role = parse_role(role)?;
    let author_id = author_id(conn, author_slug)?;
    let client_id = format!(
        "bl_{}",
        random_token(12).to_lowercase().replace(['-', '_'], "x")
    );
    let secret = random_token(32);
    let row = Integration {
        id: new_id(),
        name: name.clone(),
        role: role.as_str().into(),
        client_id: client_id.clone(),
        secret_hash: auth::hash_secret(&secret)?,
        author_id,
        revoked_at: None,
        created_at: now(),
    };
    integration::insert(conn, &row)?;
    Ok(IntegrationCredentials {
        id: row.id,
        name,
        role,
        client_id,
        client_secret: secret,
    })
}
