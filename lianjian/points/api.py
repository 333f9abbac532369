from ninja import Router

router = Router(tags=["积分联盟卡"])
