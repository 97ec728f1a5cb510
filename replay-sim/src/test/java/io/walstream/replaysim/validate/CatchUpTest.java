package io.walstream.replaysim.validate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CatchUpTest {

    private static final long MS = 1_000;

    @Test
    void aWaitIsAGapInReplayOfCommitsThatHadArrivedAndItsCatchUpWhatWasReceivedByItsEnd() {
        long[] received = {0, 100 * MS, 200 * MS, 300 * MS, 400 * MS, 1_400 * MS, 4_000 * MS};
        long[] replayed = {1 * MS, 101 * MS, 1_300 * MS, 1_305 * MS, 1_310 * MS, 1_402 * MS, 4_001 * MS};
        // commit 2 waited (replayed 1.2 s after commit 1, 1.1 s after it arrived); commits 2-4 had arrived by 1300 ms,
        // the last replayed at 1310; commit 6 comes 2.6 s after commit 5 only because nothing arrived in between
        assertThat(CatchUp.episodes(received, replayed, 500 * MS))
                .containsExactly(new CatchUp.Episode(2, 1_300 * MS, 10 * MS));
        // a commit the probe never saw is skipped
        long[] unseen = replayed.clone();
        unseen[1] = -1;
        assertThat(CatchUp.episodes(received, unseen, 500 * MS)).containsExactly(new CatchUp.Episode(2, 1_300 * MS, 10 * MS));
    }

    @Test
    void realAndSimulatedAreComparedOverAllTheirWaits() {
        List<CatchUp.Episode> real = List.of(new CatchUp.Episode(2, 0, 100 * MS), new CatchUp.Episode(7, 0, 300 * MS),
                new CatchUp.Episode(9, 0, 50 * MS));
        List<CatchUp.Episode> sim = List.of(new CatchUp.Episode(3, 0, 110 * MS), new CatchUp.Episode(8, 0, 250 * MS));
        CatchUp.Comparison c = CatchUp.compare(real, sim);
        // medians 100 and 110 ms (the lower middle of two), means 150 and 180 ms
        assertThat(c).isEqualTo(new CatchUp.Comparison(3, 2, 100 * MS, 110 * MS, 150 * MS, 180 * MS));
        assertThat(c.within()).isTrue();
        assertThat(new CatchUp.Comparison(1, 1, 100 * MS, 130 * MS, 100 * MS, 130 * MS).within()).isFalse();
        assertThat(new CatchUp.Comparison(1, 1, 20 * MS, 29 * MS, 20 * MS, 29 * MS).within()).isTrue();
        assertThat(CatchUp.compare(real, List.of())).isNull();
    }
}
