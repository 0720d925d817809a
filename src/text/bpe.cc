#include "text/bpe.h"

#include <algorithm>

#include "core/check.h"

namespace sinan::text {

void BpeModel::PairTable::grow() {
  std::vector<Entry> old = std::move(slots_);
  const size_t capacity = old.empty() ? 1024 : old.size() * 2;
  slots_.assign(capacity, Entry{kEmptyKey, 0, 0});
  shift_ = 64 - __builtin_ctzll(capacity);
  size_ = 0;
  for (const Entry& e : old) {
    if (e.key == kEmptyKey) continue;
    size_t slot = slot_of(e.key);
    while (slots_[slot].key != kEmptyKey) slot = (slot + 1) & (slots_.size() - 1);
    slots_[slot] = e;
    ++size_;
  }
}

void BpeModel::PairTable::insert_or_assign(int32_t left, int32_t right, uint32_t rank, int32_t merged) {
  if ((size_ + 1) * 2 > slots_.size()) grow();  // keep the load factor at or below 1/2
  const uint64_t key = key_of(left, right);
  size_t slot = slot_of(key);
  while (slots_[slot].key != kEmptyKey && slots_[slot].key != key) slot = (slot + 1) & (slots_.size() - 1);
  if (slots_[slot].key == kEmptyKey) ++size_;
  slots_[slot] = Entry{key, rank, merged};
}

const BpeModel::PairTable::Entry* BpeModel::PairTable::find(int32_t left, int32_t right) const {
  if (slots_.empty()) return nullptr;
  const uint64_t key = key_of(left, right);
  size_t slot = slot_of(key);
  while (true) {
    const Entry& e = slots_[slot];
    if (e.key == key) return &e;
    if (e.key == kEmptyKey) return nullptr;
    slot = (slot + 1) & (slots_.size() - 1);
  }
}

BpeModel::BpeModel() {
  std::fill(std::begin(byte_token_), std::end(byte_token_), -1);
}

bool BpeModel::add_token(std::string bytes, int32_t id) {
  if (bytes.size() == 1) byte_token_[static_cast<uint8_t>(bytes[0])] = id;
  return vocab_.emplace(std::move(bytes), id).second;
}

Status BpeModel::add_merge(std::string_view left, std::string_view right, uint32_t rank) {
  const std::optional<int32_t> left_id = find(left);
  if (!left_id) return Status::error("its left token is not in the vocabulary");
  const std::optional<int32_t> right_id = find(right);
  if (!right_id) return Status::error("its right token is not in the vocabulary");
  std::string joined;
  joined.reserve(left.size() + right.size());
  joined.append(left).append(right);
  const std::optional<int32_t> merged = find(joined);
  if (!merged) return Status::error("the merged token is not in the vocabulary");
  merges_.insert_or_assign(*left_id, *right_id, rank, *merged);
  return Status();
}

std::optional<int32_t> BpeModel::find(std::string_view bytes) const {
  auto it = vocab_.find(bytes);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

namespace {

// Min-heap order on (rank, pos): std::push_heap builds a max-heap, so "less" means "later".
struct LaterCandidate {
  bool operator()(const BpeScratch::Candidate& a, const BpeScratch::Candidate& b) const {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
  }
};

}  // namespace

void BpeModel::merge_word(BpeScratch& scratch) const {
  auto& symbols = scratch.symbols;
  auto& heap = scratch.heap;
  heap.clear();
  const LaterCandidate later;
  auto push_pair = [&](int32_t left_pos) {
    const int32_t right_pos = symbols[left_pos].next;
    if (right_pos < 0) return;
    const PairTable::Entry* e = merges_.find(symbols[left_pos].id, symbols[right_pos].id);
    if (e == nullptr) return;
    heap.push_back({e->rank, static_cast<uint32_t>(left_pos), e->merged});
    std::push_heap(heap.begin(), heap.end(), later);
  };
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(symbols.size()); ++i) push_pair(i);

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    const BpeScratch::Candidate top = heap.back();
    heap.pop_back();
    BpeScratch::Symbol& left = symbols[top.pos];
    if (left.id < 0 || left.next < 0) continue;
    BpeScratch::Symbol& right = symbols[left.next];
    // A stale candidate: the pair at this position changed since it was queued.
    const PairTable::Entry* e = merges_.find(left.id, right.id);
    if (e == nullptr || e->merged != top.merged) continue;
    left.id = top.merged;
    right.id = -1;
    left.next = right.next;
    if (left.next >= 0) symbols[left.next].prev = static_cast<int32_t>(top.pos);
    if (left.prev >= 0) push_pair(left.prev);
    push_pair(static_cast<int32_t>(top.pos));
  }
}

void BpeModel::encode(std::string_view piece, BpeScratch& scratch, std::vector<int32_t>& out) const {
  if (piece.empty()) return;
  if (ignore_merges_) {
    if (std::optional<int32_t> whole = find(piece)) {
      out.push_back(*whole);
      return;
    }
  }
  auto& symbols = scratch.symbols;
  symbols.clear();
  bool previous_was_unknown = false;
  for (char c : piece) {
    int32_t id = byte_token_[static_cast<uint8_t>(c)];
    const bool unknown = id < 0;
    if (unknown) {
      // HF drops characters missing from the vocabulary when there is no unk token.
      if (!unk_id_) continue;
      if (fuse_unk_ && previous_was_unknown) continue;
      id = *unk_id_;
    }
    previous_was_unknown = unknown;
    const auto index = static_cast<int32_t>(symbols.size());
    symbols.push_back({id, index - 1, -1});
    if (index > 0) symbols[index - 1].next = index;
  }
  if (symbols.size() > 1) merge_word(scratch);
  for (const BpeScratch::Symbol& s : symbols) {
    if (s.id >= 0) out.push_back(s.id);
  }
}

}  // namespace sinan::text
