//! People and newsroom tools: creating and changing them, for the CLI and
//! the admin endpoints alike. Every check runs, so one refusal names every
//! failing field.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{self, Role};
use crate::config::random_token;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::models::integration::{self, Integration};
use crate::models::user::{self, User, UserChanges};
use crate::models::{author, new_id, now, refresh_token};
use crate::validation::{nullable, FieldErrors};

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 1024;
pub const MAX_NAME: usize = 200;

/// A person, as admins see them. Never the password hash.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    #[schema(example = "editor@newsroom.example")]
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The author profile (slug) they write as.
    #[schema(required)]
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

/// A person to add.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    #[serde(default)]
    #[schema(required, format = Email, example = "editor@newsroom.example", max_length = 254)]
    pub email: String,
    #[serde(default)]
    #[schema(required, min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(required, nullable = false, value_type = Role)]
    pub role: Option<Role>,
    /// At least 10 characters.
    #[serde(default)]
    #[schema(required, format = Password, min_length = 10, max_length = 1024)]
    pub password: String,
    /// The author profile (slug) they write as.
    pub author: Option<String>,
}

/// Changes to a person; omitted members stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChangesInput {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    pub role: Option<Role>,
    #[schema(format = Password, min_length = 10, max_length = 1024)]
    pub password: Option<String>,
    /// An author slug, or null to unlink.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub author: Option<Option<String>>,
    /// Disabling ends their access at once, tokens already issued included.
    pub disabled: Option<bool>,
}

/// A newsroom tool to add.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIntegration {
    #[serde(default)]
    #[schema(required, example = "Wire importer", min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(required, nullable = false, value_type = Role)]
    pub role: Option<Role>,
    /// The author profile (slug) it writes as: below the editor role, the
    /// only byline it may set.
    pub author: Option<String>,
}

fn required_role(e: &mut FieldErrors, role: Option<Role>) -> Role {
    role.unwrap_or_else(|| {
        e.add(
            "role",
            "is required: admin, editor, author, contributor or (integrations only) partner",
        );
        Role::Contributor
    })
}

/// People work in the newsroom: the partner role is for integrations.
fn person_role(e: &mut FieldErrors, role: Option<Role>) {
    if role == Some(Role::Partner) {
        e.add(
            "role",
            "partner is for integrations; a person is admin, editor, author or contributor",
        );
    }
}

fn check_password(e: &mut FieldErrors, password: &str) {
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) || password.contains('\0') {
        e.add(
            "password",
            format!("must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"),
        );
    }
}

/// The id of the author profile with this slug; a failing field when none.
fn author_id(
    conn: &mut DbConnection,
    e: &mut FieldErrors,
    slug: Option<&str>,
) -> Result<Option<String>, ApiError> {
    let Some(slug) = slug else { return Ok(None) };
    let found = author::find_by_slug(conn, slug)?;
    if found.is_none() {
        e.add("author", "no author has that slug");
    }
    Ok(found.map(|a| a.id))
}

/// A role named in text (the CLI's `--role`), as a failing field when it
/// names none.
pub fn parse_role(e: &mut FieldErrors, role: &str) -> Option<Role> {
    let parsed = Role::parse(role);
    if parsed.is_none() {
        e.add(
            "role",
            "must be admin, editor, author, contributor or partner",
        );
    }
    parsed
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

/// Adds a person. Emails are unique, compared without case. `e` holds the
/// failures already found reading the body.
pub fn create_user(
    conn: &mut DbConnection,
    input: &NewUser,
    mut e: FieldErrors,
) -> Result<User, ApiError> {
    let email = if input.email.trim().is_empty() {
        e.add("email", "is required");
        String::new()
    } else {
        e.email("email", &input.email)
    };
    let name = e.text("name", &input.name, MAX_NAME, true);
    let role = required_role(&mut e, input.role);
    person_role(&mut e, input.role);
    check_password(&mut e, &input.password);
    let author_id = author_id(conn, &mut e, input.author.as_deref())?;
    e.finish()?;
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
        password_hash: auth::hash_secret(&input.password)?,
        author_id,
        disabled: false,
        created_at: stamp,
        updated_at: stamp,
    };
    user::insert(conn, &row)?;
    Ok(row)
}

/// Changes a person. Disabling them, or a new password, also ends every
/// sign-in they have.
pub fn update_user(
    conn: &mut DbConnection,
    id: &str,
    input: &UserChangesInput,
    mut e: FieldErrors,
) -> Result<User, ApiError> {
    let found = user::find(conn, id)?
        .ok_or_else(|| ApiError::NotFound(format!("No person has the id '{id}'.")))?;
    let name = input
        .name
        .as_deref()
        .map(|n| e.text("name", n, MAX_NAME, true));
    if let Some(p) = &input.password {
        check_password(&mut e, p);
    }
    person_role(&mut e, input.role);
    let author_id = match &input.author {
        Some(slug) => Some(author_id(conn, &mut e, slug.as_deref())?),
        None => None,
    };
    e.finish()?;
    let changes = UserChanges {
        name,
        role: input.role.map(|r| r.as_str().to_string()),
        password_hash: input
            .password
            .as_deref()
            .map(auth::hash_secret)
            .transpose()?,
        author_id,
        disabled: input.disabled,
        updated_at: Some(now()),
    };
    user::update(conn, &found.id, &changes)?;
    if input.disabled == Some(true) || changes.password_hash.is_some() {
        refresh_token::revoke_user(conn, &found.id, now())?;
    }
    user::find(conn, &found.id)?.ok_or_else(|| ApiError::NotFound("The person is gone.".into()))
}

/// Adds a newsroom tool; answers its credentials, the secret in clear this
/// once.
pub fn create_integration(
    conn: &mut DbConnection,
    input: &NewIntegration,
    mut e: FieldErrors,
) -> Result<IntegrationCredentials, ApiError> {
    let name = e.text("name", &input.name, MAX_NAME, true);
    let role = required_role(&mut e, input.role);
    if role == Role::Partner && input.author.is_some() {
        e.add("author", "a partner writes nothing, so it has no byline");
    }
    let author_id = author_id(conn, &mut e, input.author.as_deref())?;
    e.finish()?;
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
