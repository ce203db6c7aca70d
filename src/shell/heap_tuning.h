// glibc malloc settings for the broker process. By default glibc gives memory at the top of
// the heap back to the kernel (brk) as soon as 128 KiB are free there, and the next burst of
// 16 KiB messages (QoS 1/2 copies kept until acknowledged, input batches) takes it back page
// by page: a brk and fresh page faults per burst — measured at 3× the broker CPU per 16 KiB
// QoS 1 message over TLS. Keeping up to 64 MiB of freed heap (and growing it 4 MiB at a time)
// ends that churn; memory above that is still returned.
#pragma once

namespace trustmq::shell {

void tune_heap_for_a_broker();

}  // namespace trustmq::shell
