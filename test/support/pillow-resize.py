# Pillow's own resize, for the parity tests (test/support/pillow.ts runs this).
# stdin: JSON list of {"width", "height", "data" (base64 RGB8), "outWidth", "outHeight", "filter"}
# stdout: JSON list of base64 RGB8 results, Image.resize((outWidth, outHeight), filter) each.
import base64
import json
import sys

from PIL import Image

cases = json.load(sys.stdin)
out = []
for c in cases:
    img = Image.frombytes("RGB", (c["width"], c["height"]), base64.b64decode(c["data"]))
    res = img.resize((c["outWidth"], c["outHeight"]), resample=c["filter"])
    out.append(base64.b64encode(res.tobytes()).decode("ascii"))
json.dump(out, sys.stdout)
