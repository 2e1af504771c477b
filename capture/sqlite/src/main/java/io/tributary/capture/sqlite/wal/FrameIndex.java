package io.tributary.capture.sqlite.wal;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Which page each committed frame of one WAL epoch holds, and for each page its frames in order, so
 * that "the version of page P as of frame F" is a binary search. Only committed transactions are added.
 */
final class FrameIndex {
    private int[] framePage = new int[64];
    private int frames;
    private final Map<Integer, int[]> pageFrames = new HashMap<>();

    /** Appends frames {@code frames()+1 ..} holding the given pages, in order. */
    void append(int[] pages, int count) {
        for (int i = 0; i < count; i++) {
            int frame = ++frames;
            if (frame >= framePage.length) {
                framePage = Arrays.copyOf(framePage, framePage.length * 2);
            }
            framePage[frame] = pages[i];
            int[] list = pageFrames.get(pages[i]);
            if (list == null) {
                list = new int[] {0, 0, 0, 0};
                pageFrames.put(pages[i], list);
            } else if (list[0] + 1 == list.length) {
                list = Arrays.copyOf(list, list.length * 2);
                pageFrames.put(pages[i], list);
            }
            list[++list[0]] = frame;
        }
    }

    int frames() {
        return frames;
    }

    int pageOf(int frame) {
        return framePage[frame];
    }

    /** The last frame at or before {@code limit} holding {@code pgno}, or 0 if none (the page is in the db file). */
    int latest(int pgno, int limit) {
        int[] list = pageFrames.get(pgno);
        if (list == null) {
            return 0;
        }
        int lo = 1;
        int hi = list[0];
        int found = 0;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (list[mid] <= limit) {
                found = list[mid];
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }
}
