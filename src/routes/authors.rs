//! `/v1/authors`: public author profiles (never an email), a page at a
//! time, and the editors' writes.

#[allow(unused_imports)]
use actix_web::{delete, get, patch, post};

use crate::routes::extract::path_param;
use crate::routes::taxonomy::{paged_list, slug_routes};
use crate::routes::NewAuthorInput;
use crate::taxonomy::{AuthorInput, Authors};
use crate::views::AuthorView;

path_param!(AuthorPath, author, "The author's slug", "news-desk");

paged_list! {
    kind: Authors,
    tag: "authors",
    view: AuthorView,
    collection: "/authors",
    page: AuthorPage = "A page of authors in slug order. Pass `next_cursor` back as `cursor` for the next page; it is null on the last page.",
    list: list_authors = "List the public author profiles in slug order.",
}

slug_routes! {
    kind: Authors,
    tag: "authors",
    path: AuthorPath,
    list: list_authors,
    view: AuthorView,
    input: AuthorInput,
    new_input: NewAuthorInput,
    collection: "/authors",
    item: "/authors/{author}",
    latest: "/authors/{author}/latest",
    feed: "/authors/{author}/feeds/{format}",
    get: get_author = "Get one author's public profile.",
    block: list_author_latest = "The latest stories by an author.",
    feed_fn: author_feed = "An author's feed.",
    create: create_author = "Create an author profile (editors).",
    update: update_author = "Change an author profile (editors).",
    delete: delete_author = "Delete an author profile (editors); refused with 409 while articles name it.",
}
