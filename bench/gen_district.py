"""Generates a district for measuring youyue: 1 district, 10 streets, 200 studios and N cases
spread over ten years (2016-2025), as `youyue import` JSON Lines on standard output.

    python3 bench/gen_district.py 1000000 > /tmp/d1m.jsonl
    youyue --db sqlite:///tmp/big.db import /tmp/d1m.jsonl

Deterministic (fixed seed). A stopgap until the benchmark crate of issues 4 and 6.
"""
import datetime
import json
import random
import sys
n = int(sys.argv[1]); random.seed(7)
out = sys.stdout
def w(o): out.write(json.dumps(o, ensure_ascii=False) + "\n")
w({"type":"union","code":"jd","name":"金东区总工会","parent":None})
studios = []
for s in range(10):
    w({"type":"union","code":f"jd.s{s}","name":f"街道{s}","parent":"jd"})
    for e in range(20):
        c = f"jd.s{s}.e{e}"; studios.append(c)
        w({"type":"union","code":c,"name":f"企业{s}-{e}","parent":f"jd.s{s}","studio_opened_on":f"{2016+e%8}-03-0{1+e%9}"})
kinds = ["claim","dispute","wellbeing","suggestion"]; chans = ["hotline","mailbox","reception","forum","online"]
base = 1451577600  # 2016-01-01 CST-ish
words = ["工资","加班费","工伤","社保","宿舍","食堂","安全","培训","心理","建议"]
for i in range(1, n+1):
    y_off = random.randrange(0, 10*365*86400)
    opened = base + y_off
    year = 2016 + y_off // (365*86400)
    k = random.choice(kinds)
    st = random.choices(["registered","accepted","in_progress","resolved","explained"], [2,3,5,80,10])[0]
    c = {"type":"case","number":f"JD-{year}-{i:06d}","union":random.choice(studios),"kind":k,"channel":random.choice(chans),
         "people":random.choice([1,1,1,2,3,12]),"title":random.choice(words)+"问题","description":"职工反映"+random.choice(words),
         "status":st}
    tz = datetime.timezone(datetime.timedelta(hours=8))
    c["opened_at"] = datetime.datetime.fromtimestamp(opened, tz).isoformat()
    if st != "registered":
        accepted = opened + random.randrange(600, 2*86400)
        c["accepted_at"] = datetime.datetime.fromtimestamp(accepted, tz).isoformat()
        c["urgency"] = "normal"
        c["due_on"] = datetime.datetime.fromtimestamp(accepted + (15 if k == "dispute" else 10)*86400*7//5, tz).date().isoformat()
    if st in ("resolved","explained"):
        c["closed_at"] = datetime.datetime.fromtimestamp(accepted + random.randrange(3600, 30*86400), tz).isoformat()
        if st == "resolved" and k == "dispute": c["agreement"] = random.random() < 0.8
        if st == "resolved" and k == "suggestion": c["adopted"] = random.random() < 0.7
        if st == "resolved" and random.random() < 0.3: c["amount_recovered"] = f"{random.randrange(100, 50000)}.{random.randrange(100):02d}"
        if random.random() < 0.5: c["rating"] = random.choice([5,5,4,4,3,2,1])
        if st == "explained": c["explanation"] = "不属于工会职能，已告知相关部门"
        if st == "resolved": c["resolution"] = "已协调解决"

    w(c)
