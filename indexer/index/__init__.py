"""The index on disk: what a generation holds and how each part is written and read.

======================  ==========================================================
module                  what
======================  ==========================================================
layout                  the files of an index folder and of one generation
generations             numbered generations behind one atomic CURRENT pointer; the
                        build lock and the readers' locks; clean-up
store                   SQLite: reports, passages with offsets and section paths,
                        metadata, files and their hashes
store_rows              what the store writes, made before: a report's rows (in the
                        worker that read it), a source file's size and time
report_columns          every live report's metadata field by field: the report table
                        a generation opens with
literal                 segmented postings of every character and character pair,
                        plus folded text: exact recall
analysis                jieba segmentation (rjieba, HMM off) as a Whoosh tokenizer;
                        the only module that imports the segmenter
word_fields             the Whoosh field type that counts a value's words, cached
word_counts             documents' word counts as arrays; words numbered once per
                        worker, and sent to the build's process once
schema                  the Whoosh schema, declared once
word_index              the word index: Whoosh writer, BM25F scorer
prescored               the most frequent words scored whole at build time
word_frequencies        every word's document frequency, read once per Whoosh segment
whoosh_blocks           Whoosh's posting blocks and columns decoded whole
whoosh_segments         Whoosh segments written directly from counted postings, read
                        back exactly as Whoosh's own writer's; their commit
whoosh_postings         the terms table and postings file of such a segment, a block
                        at a time, slices of terms encoded by several processes
                        (whoosh_* are the modules that read Whoosh's private parts,
                        pinned to whoosh-reloaded 2.7.5)
similar_sign            near-duplicate passages signed (MinHash) and banded at build
similar_pairs           classes of identical passages and the near copies between them
similar_rows            the signed passages a pairing classifies, kept in class order
                        for the next one
cluster                 a sharded index: shards by report id, each an ordinary
                        generation, named by one manifest behind the pointer
global_stats            what ranking and similar passages need across all shards,
                        computed once after the shards are written
pairing                 similar passages paired across shards in a process of its
                        own, beside the shards' ranking step
======================  ==========================================================
"""
