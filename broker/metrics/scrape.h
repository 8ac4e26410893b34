#pragma once
// Renders every series for GET /metrics, named as Kafka's JMX exporter
// names Kafka's MBeans (the mapping is in broker/README.md). Counters are
// read from where the hot path wrote them; gauges (partition and leader
// counts, log sizes, consumer lag, connections) are computed here from the
// broker's state, so keeping them costs the hot path nothing.
//
// Runs on the broker's I/O thread, like everything it reads.
#include <string>

namespace sluice::broker {
class broker;
}

namespace sluice::broker::metrics {

std::string render_metrics(broker& b);

}  // namespace sluice::broker::metrics
