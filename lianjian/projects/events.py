"""Domain events this app publishes (`lianjian.core.events.publish`).

Subscribers declare them by name in their own registry (`subscriptions`);
handlers run inside the publishing transaction.

`projects.claim_delivered` — the community confirmed a claim's delivery (the
    fact that counts: points award on it). Payload: `claim_id`, `item_id`,
    `kind` (project/wish/problem/service), `party_org_id` or `member_id` (the
    claimant; the other is None), `community_id`, `value` (Decimal, yuan),
    `people_helped` (int), `on_time` (bool), `confirmed_at` (aware datetime).
    Published once per claim (a repeated confirmation publishes nothing).
`projects.claim_created` — a slot was claimed: `claim_id`, `item_id`,
    `party_org_id`, `member_id`.
`projects.claim_withdrawn` — the claimant stepped back: `claim_id`, `item_id`.
`projects.item_published` — an item opened for claims: `item_id`, `community_id`.
`projects.registration_approved` — a 双报到 was accepted: `registration_id`,
    `community_id`, `party_org_id`, `member_id`.
"""

CLAIM_DELIVERED = "projects.claim_delivered"
CLAIM_CREATED = "projects.claim_created"
CLAIM_WITHDRAWN = "projects.claim_withdrawn"
ITEM_PUBLISHED = "projects.item_published"
REGISTRATION_APPROVED = "projects.registration_approved"
