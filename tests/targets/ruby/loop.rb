# Runs Ruby's USDT probe sites a known number of times (tests/integration/test_ruby.c):
# ARGV[0] iterations, each creating one Widget (object__create), raising and rescuing
# one LoopError (raise) and running `alias` (core#set_method_alias, a C method of
# RubyVM::FrozenCore: the call that crashes Ruby 3.1 when its C method probes are on).
class LoopError < StandardError; end

class Widget
  def name = "widget"
end

n = Integer(ARGV.fetch(0, "100"))
n.times do
  Widget.new
  begin
    raise LoopError, "again"
  rescue LoopError
  end
  Widget.class_eval { alias label name }
end
puts "done #{n} #{Widget.new.label}"
