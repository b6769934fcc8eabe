"""The knowledge base over HTTP, on SQLite and PostgreSQL: articles, versions, publishing,
who sees drafts, search, drafts from solved orders, roles and tenants."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

KB = "/api/v1/kb/articles"


def _create(client: TestClient, headers: dict[str, str], **values: Any) -> dict[str, Any]:
    response = client.post(KB, headers=headers, json={"title": "标题", "body": "正文", **values})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _ids(client: TestClient, headers: dict[str, str], **params: Any) -> list[str]:
    response = client.get(KB, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_edits_make_versions_and_publishing_shows_the_article(client: TestClient, make_user: Any) -> None:
    leader_user, leader = make_user("leader")
    _, supervisor = make_user("supervisor")
    _, agent = make_user("agent")
    article = _create(
        client, leader, title="居民阶梯水价", body="第一档每吨 5 元。", category="水务", basis="policy"
    )
    assert (article["status"], article["version"], article["created_by"]) == ("draft", 1, leader_user.id)
    assert client.get(f"{KB}/{article['id']}", headers=agent).status_code == 404

    edited = client.patch(
        f"{KB}/{article['id']}", headers=leader, json={"body": "第一档每吨 5.5 元。", "version": 1}
    )
    assert edited.json()["version"] == 2
    stale = client.patch(f"{KB}/{article['id']}", headers=leader, json={"body": "改", "version": 1})
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"
    unchanged = client.patch(f"{KB}/{article['id']}", headers=leader, json={"category": "水务"})
    assert unchanged.json()["version"] == 2  # nothing changed, no new version

    published = client.post(f"{KB}/{article['id']}/publish", headers=supervisor).json()
    assert (published["status"], published["published_version"]) == ("published", 2)
    seen = client.get(f"{KB}/{article['id']}", headers=agent).json()
    assert seen["body"] == "第一档每吨 5.5 元。" and "versions" not in seen

    client.patch(f"{KB}/{article['id']}", headers=supervisor, json={"title": "居民阶梯水价（2026）"})
    full = client.get(f"{KB}/{article['id']}", headers=leader).json()
    assert (full["status"], full["version"]) == ("published", 3)
    assert [v["version"] for v in full["versions"]] == [3, 2, 1]
    assert [v["published_at"] is not None for v in full["versions"]] == [False, True, False]
    versions = client.get(f"{KB}/{article['id']}/versions", headers=leader).json()
    assert [v["body"] for v in versions] == [
        "第一档每吨 5.5 元。",
        "第一档每吨 5.5 元。",
        "第一档每吨 5 元。",
    ]
    first = client.get(f"{KB}/{article['id']}/versions/1", headers=leader).json()
    assert (first["title"], first["created_by"]) == ("居民阶梯水价", leader_user.id)
    assert client.get(f"{KB}/{article['id']}/versions/9", headers=leader).status_code == 404


def test_drafts_are_invisible_to_agents_everywhere(client: TestClient, make_user: Any) -> None:
    _, supervisor = make_user("supervisor")
    _, leader = make_user("leader")
    _, agent = make_user("agent")
    draft = _create(client, supervisor, title="停电报修流程", body="先确认是否整栋楼停电。")
    live = _create(
        client, supervisor, title="停电补偿政策", body="停电超过 24 小时可申请补偿。", basis="policy"
    )
    client.post(f"{KB}/{live['id']}/publish", headers=supervisor)
    assert _ids(client, agent, q="停电") == [live["id"]]
    assert _ids(client, agent, q="停电", status="draft") == [live["id"]]  # the filter cannot widen it
    assert sorted(_ids(client, leader, q="停电")) == sorted([draft["id"], live["id"]])
    assert _ids(client, supervisor, q="停电", status="draft") == [draft["id"]]
    assert client.get(f"{KB}/{draft['id']}", headers=agent).status_code == 404

    client.post(f"{KB}/{live['id']}/unpublish", headers=supervisor)
    assert _ids(client, agent, q="停电") == []
    assert client.get(f"{KB}/{live['id']}", headers=agent).status_code == 404


def test_search_ranks_paginates_filters_and_highlights(client: TestClient, make_user: Any) -> None:
    _, supervisor = make_user("supervisor")
    _, agent = make_user("agent")
    made = [
        _create(
            client,
            supervisor,
            title="停电怎么办",
            body="小区停电三天了，先联系物业；停电超过一天再拨打 95598。",
            category="电力",
        ),
        _create(client, supervisor, title="燃气泄漏处置", body="立即开窗，不要开关电器，拨打燃气公司电话。"),
        _create(
            client,
            supervisor,
            title="Power outage",
            body="Call the grid company; an outage over 24 h is compensated.",
            basis="law",
        ),
        _create(client, supervisor, title="计划停电通知", body="计划停电会提前公告。", category="电力"),
    ]
    for article in made:
        assert client.post(f"{KB}/{article['id']}/publish", headers=supervisor).status_code == 200
    found = client.get(KB, headers=agent, params={"q": "停电"}).json()
    assert found["total"] == 2 and not found["total_capped"]
    assert [item["title"] for item in found["items"]] == ["停电怎么办", "计划停电通知"]
    first = found["items"][0]
    assert first["highlight"]["title"] == "<mark>停电</mark>怎么办"
    assert "小区<mark>停电</mark>三天了" in first["highlight"]["snippet"]
    assert first["score"] > found["items"][1]["score"] and "body" not in first

    assert _ids(client, agent, q="OUTAGE") == [made[2]["id"]]
    assert _ids(client, agent, q="", basis="law") == [made[2]["id"]]
    assert _ids(client, agent, q="停电", category="电力", order="date") == [made[3]["id"], made[0]["id"]]
    pages = [_ids(client, agent, q="", page=page, page_size=3) for page in (1, 2)]
    assert [len(p) for p in pages] == [3, 1] and not set(pages[0]) & set(pages[1])
    assert client.get(KB, headers=agent, params={"order": "popular"}).status_code == 422


def test_a_solved_order_becomes_a_draft_once(client: TestClient, make_user: Any) -> None:
    agent_user, agent = make_user("agent")
    _, leader = make_user("leader")
    body = {
        "order_id": "20261125-0007",
        "problem": "小区停电三天了\n冰箱食物变质",
        "cause": "变压器老化",
        "solution": "供电公司更换变压器，已恢复供电。",
        "category": "电力",
    }
    response = client.post(f"{KB}/from-order", headers=agent, json=body)
    assert response.status_code == 201, response.text
    draft = response.json()
    assert (draft["status"], draft["title"], draft["source_order_id"]) == (
        "draft",
        "小区停电三天了",
        "20261125-0007",
    )
    assert draft["created_by"] == agent_user.id and draft["category"] == "电力"
    text = client.get(f"{KB}/{draft['id']}", headers=leader).json()["body"]
    assert (
        text.index("## 问题")
        < text.index("## 原因")
        < text.index("## 解决办法")
        < text.index("20261125-0007")
    )
    assert "变压器老化" in text and "已恢复供电" in text
    assert _ids(client, leader, q="变压器") == [draft["id"]]

    again = client.post(f"{KB}/from-order", headers=agent, json=body)
    assert again.status_code == 409 and again.json()["fields"]["article_id"] == draft["id"]
    unsolved = client.post(
        f"{KB}/from-order", headers=agent, json={**body, "order_id": "20261125-0008", "solution": "  "}
    )
    assert unsolved.status_code == 422 and unsolved.json()["code"] == "order_not_solved"


def test_roles_decide_who_writes_publishes_and_deletes(client: TestClient, make_user: Any) -> None:
    _, agent = make_user("agent")
    _, leader = make_user("leader")
    _, supervisor = make_user("supervisor")
    assert client.post(KB, headers=agent, json={"title": "x", "body": "y"}).status_code == 403
    article = _create(client, leader, title="路灯报修", body="拨打市政热线。")
    assert client.post(f"{KB}/{article['id']}/publish", headers=leader).status_code == 403
    assert client.delete(f"{KB}/{article['id']}", headers=leader).status_code == 403
    assert client.get(f"{KB}/{article['id']}/versions", headers=agent).status_code == 403
    assert client.post(KB, headers=leader, json={"title": "x", "basis": "rumour"}).status_code == 422
    blank = client.post(KB, headers=leader, json={"title": "   "})
    assert blank.status_code == 422 and blank.json()["code"] == "invalid_article"
    empty = _create(client, leader, title="待补充", body="")
    refused = client.post(f"{KB}/{empty['id']}/publish", headers=supervisor)
    assert refused.status_code == 422 and refused.json()["code"] == "article_body_required"
    assert client.delete(f"{KB}/{article['id']}", headers=supervisor).status_code == 204
    assert client.get(f"{KB}/{article['id']}", headers=supervisor).status_code == 404
    assert _ids(client, supervisor, q="路灯") == []


def test_another_tenants_articles_are_missing(client: TestClient, make_user: Any) -> None:
    _, mine = make_user("supervisor")
    _, theirs = make_user("supervisor", "other")
    article = _create(client, mine, title="医保报销材料", body="身份证、医保卡、发票。")
    client.post(f"{KB}/{article['id']}/publish", headers=mine)
    url = f"{KB}/{article['id']}"
    assert client.get(url, headers=theirs).status_code == 404
    assert client.patch(url, headers=theirs, json={"title": "改"}).status_code == 404
    assert client.post(f"{url}/unpublish", headers=theirs).status_code == 404
    assert client.get(f"{url}/versions", headers=theirs).status_code == 404
    assert client.delete(url, headers=theirs).status_code == 404
    assert _ids(client, theirs, q="医保") == []
    assert client.get(url, headers=mine).json()["status"] == "published"
