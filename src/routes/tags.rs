//! `/v1/tags`: the topics stories are tagged with, a page at a time, and
//! the editors' writes.

#[allow(unused_imports)]
use actix_web::{delete, get, patch, post};

use crate::routes::extract::path_param;
use crate::routes::taxonomy::{paged_list, slug_routes};
use crate::routes::NewTagInput;
use crate::taxonomy::{TagInput, Tags};
use crate::views::TagView;

path_param!(TagPath, tag, "The tag's slug", "julian-assange");

paged_list! {
    kind: Tags,
    tag: "tags",
    view: TagView,
    collection: "/tags",
    page: TagPage = "A page of tags in slug order. Pass `next_cursor` back as `cursor` for the next page; it is null on the last page.",
    list: list_tags = "List the public tags in slug order.",
}

slug_routes! {
    kind: Tags,
    tag: "tags",
    path: TagPath,
    list: list_tags,
    view: TagView,
    input: TagInput,
    new_input: NewTagInput,
    collection: "/tags",
    item: "/tags/{tag}",
    latest: "/tags/{tag}/latest",
    feed: "/tags/{tag}/feeds/{format}",
    get: get_tag = "Get one tag.",
    block: list_tag_latest = "The latest stories with a tag.",
    feed_fn: tag_feed = "A tag's feed.",
    create: create_tag = "Create a tag (editors).",
    update: update_tag = "Change a tag (editors).",
    delete: delete_tag = "Delete a tag (editors); refused with 409 while articles carry it.",
}
