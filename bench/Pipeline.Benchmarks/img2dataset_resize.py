"""The peer of `pipeline crawl fetch --size S --resize-mode center_crop`: img2dataset's resizer path with OpenCV.

Usage: python3 img2dataset_resize.py SIZE FOLDER COUNT
For each of the first COUNT files in FOLDER, in name order: read the bytes, cv2.imdecode, downscale the smaller side to SIZE with INTER_AREA (img2dataset's
downscale interpolation; upscale with LANCZOS4), centre-crop to SIZE x SIZE, cv2.imencode as JPEG quality 95, as
img2dataset's Resizer does for center_crop. One thread, as img2dataset runs it in each worker. Prints the count of
images encoded and their encoded bytes as one JSON line. No download: the cost of fetching is all on our side.
"""
import json
import os
import sys

import cv2
import numpy as np


def resize(data, size):
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if img is None:
        return None
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    elif img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    height, width = img.shape[:2]
    smaller = min(width, height)
    interpolation = cv2.INTER_AREA if smaller > size else cv2.INTER_LANCZOS4
    scale = size / smaller
    # albumentations' SmallestMaxSize rounds the other side the same way.
    new_width, new_height = max(size, round(width * scale)), max(size, round(height * scale))
    img = cv2.resize(img, (new_width, new_height), interpolation=interpolation)
    top, left = (new_height - size) // 2, (new_width - size) // 2
    img = img[top:top + size, left:left + size]
    ok, encoded = cv2.imencode(".jpg", img, [int(cv2.IMWRITE_JPEG_QUALITY), 95])
    return encoded.tobytes() if ok else None


def main():
    cv2.setNumThreads(1)
    size, folder, limit = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    count = total = 0
    for name in sorted(n for n in os.listdir(folder) if n.endswith(".jpg"))[:limit]:
        with open(os.path.join(folder, name), "rb") as f:
            encoded = resize(f.read(), size)
        if encoded is not None:
            count += 1
            total += len(encoded)
    print(json.dumps({"images": count, "encoded_bytes": total}))


if __name__ == "__main__":
    main()
